"""The main window's menu bar: File (import, settings, quit), View (one entry per tab, Alt+1…), Help."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence


def _action(window, text: str, slot, shortcut=None) -> QAction:
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.triggered.connect(slot)
    return act


def build_menus(window) -> None:
    """Fill ``window``'s menu bar (its texts are the main window's translations)."""
    bar = window.menuBar()
    file_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&File"))
    file_menu.addAction(_action(window, QCoreApplication.translate("MainWindow", "Import folder…"),
                                window.choose_import_folder, QKeySequence.StandardKey.Open))
    file_menu.addAction(_action(window, QCoreApplication.translate("MainWindow", "Import files…"),
                                window.library_view.choose_files))
    file_menu.addSeparator()
    file_menu.addAction(_action(window, QCoreApplication.translate("MainWindow", "Settings…"), window.open_settings,
                                QKeySequence.StandardKey.Preferences))
    file_menu.addSeparator()
    file_menu.addAction(_action(window, QCoreApplication.translate("MainWindow", "Quit"), window.close,
                                QKeySequence.StandardKey.Quit))
    view_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&View"))
    tabs = window.tabs
    for i in range(tabs.count()):
        view_menu.addAction(_action(window, tabs.tabText(i), lambda _=False, n=i: tabs.setCurrentIndex(n),
                                    f"Alt+{i + 1}"))
    help_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Help"))
    help_menu.addAction(_action(window, QCoreApplication.translate("MainWindow", "About Timbrel"), window.about))
