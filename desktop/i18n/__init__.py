"""Translations: ``timbrel_<locale>.ts`` sources (edit with Qt Linguist) compiled to ``.qm`` by
``python -m desktop.i18n.build``.

The language is the ``ui.language`` setting (e.g. ``zh_CN``) or, when unset,
the system locale. English is the source language and needs no file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_installed: list[QTranslator] = []


def choose_locale(setting: str | None) -> QLocale:
    return QLocale(setting) if setting else QLocale.system()


def install(app: QCoreApplication, language: str | None = None) -> str | None:
    """Install the app's (and Qt's own) translation for ``language``; returns the loaded file's locale or None."""
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    locale = choose_locale(language)
    loaded = None
    ours = QTranslator(app)
    if ours.load(locale, "timbrel", "_", str(I18N_DIR)):
        app.installTranslator(ours)
        _installed.append(ours)
        loaded = locale.name()
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return loaded
