"""Refresh the translation sources from the code and compile them.

    python -m desktop.i18n.build            # lupdate (keeps existing translations) + lrelease
    python -m desktop.i18n.build --check    # fail when a source string has no translation

Uses ``pyside6-lupdate`` / ``pyside6-lrelease`` from PySide6 (next to the Python
executable or on PATH).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
DESKTOP = HERE.parent
LOCALES = ("zh_CN",)


def tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} was not found (it comes with PySide6)")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(DESKTOP)) for p in DESKTOP.rglob("*.py") if "i18n" not in p.parts)


def untranslated(ts: Path) -> list[str]:
    missing = []
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name")
        for m in ctx.iter("message"):
            tr = m.find("translation")
            if tr is None or tr.get("type") in ("unfinished", "obsolete", "vanished"):
                if tr is not None and tr.get("type") in ("obsolete", "vanished"):
                    continue
                missing.append(f"{name}: {m.findtext('source')}")
                continue
            forms = tr.findall("numerusform")
            if (forms and not all((f.text or "").strip() for f in forms)) or (not forms and not (tr.text or "").strip()):
                missing.append(f"{name}: {m.findtext('source')}")
    return missing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="only report untranslated strings")
    args = ap.parse_args(argv)
    status = 0
    for locale in LOCALES:
        ts = HERE / f"timbrel_{locale}.ts"
        if not args.check:
            subprocess.run([tool("pyside6-lupdate"), *sources(), "-no-obsolete", "-ts", str(ts.relative_to(DESKTOP))],
                           cwd=DESKTOP, check=True)
            subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
        missing = untranslated(ts)
        if missing:
            status = 1
            print(f"{ts.name}: {len(missing)} untranslated", *missing[:50], sep="\n  ")
    return status


if __name__ == "__main__":
    sys.exit(main())
