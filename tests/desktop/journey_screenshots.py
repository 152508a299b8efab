"""Screenshots of every tab of the real window at 1280×800 with 21 voices, in English and in Chinese (a tool, not a
test module; run it under an X server, e.g. ``xvfb-run -s "-screen 0 1280x800x24"``):

    python tests/desktop/journey_screenshots.py OUT_DIR [--library PREPARED_LIBRARY]

The library (made once when it does not exist): the shared corpus imported as a GPT-SoVITS dataset folder (17
voices through its ``dataset.list``), the 4 demo voices with their preview base (21 voices), analysed and clustered
automatically, a GPT-SoVITS pair (the tiny fixtures) imported and assigned to the first cluster. Each language
runs in its own process (the translation is installed before any widget exists).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TIMBREL_SHARED", REPO.parent / "shared")).resolve()
TABS = ["library", "cluster-map", "emotion-grid", "evaluation", "bases", "speak", "soundboard", "engine"]


def prepare(library: Path) -> None:
    from engine.api import Engine
    from engine.backends.gptsovits.convert import import_base
    from engine.consolidation import versions
    from engine.demo import install_demo_library

    with Engine(library=library) as eng:
        eng.importer.import_paths([SHARED / "corpus"])
        install_demo_library(eng, force=True)
        eng.analysis.analyze()
        eng.analysis.cluster()
        fx = SHARED / "fixtures" / "gptsovits"
        rec = import_base(eng.bases, "tiny-v2", fx / "gpt_tiny.ckpt", fx / "sovits_v2_tiny.pth")
        first = eng.analysis.clusters()[0].id
        eng.bases.assign(first, rec.name)
        versions.record(eng, first, rec.name, "assigned")
        eng.cues.add("hello", eng.library.voices()[0].name, "Hello chat! 谢谢关注！")
        print(f"prepared {len(eng.library.voices())} voices, {len(eng.analysis.clusters())} clusters", flush=True)


def shoot(library: Path, out: Path, language: str) -> int:
    from PySide6.QtCore import QTimer

    from desktop import i18n
    from desktop.app import create_application
    from desktop.mainwindow import MainWindow
    from engine.api import Engine

    app, settings = create_application()
    if language != "en":
        i18n.install(app, language)
    engine = Engine(library=library, settings=settings)
    win = MainWindow(engine, show_errors=False)
    win.setGeometry(0, 0, 1280, 800)
    win.show()
    win.start()
    views = [win.tabs.widget(i) for i in range(win.tabs.count())]
    out.mkdir(parents=True, exist_ok=True)
    state = {"code": 0}

    def settle(then, quiet: int = 0) -> None:
        def check() -> None:
            if win.runner.busy():
                QTimer.singleShot(50, lambda: settle(then))
            elif quiet < 6:                         # idle for a while: late loads triggered by loads have run
                QTimer.singleShot(50, lambda: settle(then, quiet + 1))
            else:
                then()
        QTimer.singleShot(0, check)

    win.speak_view.text.setPlainText("Hello chat! Thanks for the follow. 谢谢关注！")
    win.speak_view.synthesis.setChecked(True)       # the synthesis controls unfolded

    def take(i: int) -> None:
        name = TABS[i] if i < len(TABS) else f"tab{i}"
        path = out / f"{language}-{i + 1:02d}-{name}.png"
        app.primaryScreen().grabWindow(0, 0, 0, 1280, 800).save(str(path))
        print(path, flush=True)
        if i + 1 < len(views):
            win.tabs.setCurrentIndex(i + 1)
            settle(lambda: take(i + 1))
        else:
            win.shutdown()
            app.quit()

    win.tabs.setCurrentIndex(0)
    settle(lambda: take(0))
    QTimer.singleShot(600_000, lambda: (state.update(code=1), app.quit()))
    app.exec()
    engine.close()
    return state["code"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--library", default=None)
    ap.add_argument("--language", default=None, help=argparse.SUPPRESS)   # one language (child process)
    args = ap.parse_args(argv)
    out = Path(args.out)
    library = Path(args.library or out / "library")
    if args.language:
        return shoot(library, out, args.language)
    if not (library / "catalog.sqlite").exists():
        prepare(library)
    code = 0
    for lang in ("en", "zh_CN"):
        env = {**os.environ, "TIMBREL_CONFIG_DIR": str(out / f"config-{lang}"), "QT_QPA_PLATFORM": "xcb"}
        code |= subprocess.run([sys.executable, __file__, str(out), "--library", str(library), "--language", lang],
                               env=env).returncode
    return code


if __name__ == "__main__":
    sys.exit(main())
