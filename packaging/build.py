#!/usr/bin/env python3
"""Build the packaged Timbrel app with PyInstaller and (optionally) run its self-test.

    python packaging/build.py                    # one-folder app in dist/timbrel/
    python packaging/build.py --onefile          # one file: dist/onefile/timbrel (timbrel.exe on Windows)
    python packaging/build.py --onedir --selftest  # build, then run 'timbrel --selftest --demo --preview' on the result

Needs the packaging extra (``pip install -e '.[package]'``, i.e. PyInstaller) and, on Linux, the system
libraries PyInstaller copies into the bundle (libportaudio2 for sound, libxcb-icccm4/libxcb-keysyms1/
libxcb-cursor0 for the Qt xcb plugin). A report (sizes, build and start-up times, self-test line) is
written to ``build/packaging-report.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "timbrel.spec"
NAME = "timbrel"


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def executable(dist: Path, mode: str) -> Path:
    """dist/timbrel/timbrel for the one-folder app; dist/onefile/timbrel for the single file (so both can exist)."""
    exe = NAME + (".exe" if os.name == "nt" else "")
    return dist / "onefile" / exe if mode == "onefile" else dist / NAME / exe


def run_built(exe: Path, args: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, (proc.stdout + proc.stderr), time.perf_counter() - t0


def drop_typing_backport() -> bool:
    """PyInstaller refuses to run while the obsolete ``typing`` backport (a Python 2 era package that
    Resemblyzer 0.1.4 still declares) is installed. Python's own ``typing`` module is what everything uses, so
    inside a virtual environment remove the backport (as PyInstaller itself advises); elsewhere say how."""
    from importlib import metadata

    try:
        metadata.distribution("typing")
    except metadata.PackageNotFoundError:
        return True
    if sys.prefix == sys.base_prefix:
        print("build.py: the obsolete 'typing' backport is installed and PyInstaller refuses to run with it.\n"
              f"  hint: {sys.executable} -m pip uninstall typing   (or build inside a virtual environment)",
              file=sys.stderr)
        return False
    print("== removing the obsolete 'typing' backport from this virtual environment (PyInstaller refuses it; "
          "the standard library's typing is used)", flush=True)
    return subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", "typing"]).returncode == 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--onedir", action="store_const", dest="mode", const="onedir", help="one-folder app (default)")
    mode.add_argument("--onefile", action="store_const", dest="mode", const="onefile", help="single-file app")
    p.add_argument("--selftest", action="store_true", help="run the built app's --selftest afterwards")
    p.add_argument("--clean", action="store_true", help="drop PyInstaller's cache first (slower, from scratch)")
    p.add_argument("--exclude", default="", help="comma list of optional parts to leave out: gptsovits,preview,piper,desktop")
    p.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    p.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"), help="PyInstaller work folder")
    p.add_argument("--no-preview-check", action="store_true", help="do not ask the self-test to speak with the preview backend")
    p.add_argument("--skip-build", action="store_true", help="only run the self-test on an existing build")
    args = p.parse_args(argv)
    args.mode = args.mode or "onedir"
    dist = Path(args.dist).resolve()
    report: dict = {"mode": args.mode, "platform": platform.platform(), "python": platform.python_version()}

    if not args.skip_build:
        try:
            import PyInstaller  # noqa: F401
        except ImportError:
            print("build.py: PyInstaller is not installed.\n  hint: pip install -e '.[package]'", file=sys.stderr)
            return 1
        if not drop_typing_backport():
            return 1
        env = dict(os.environ, TIMBREL_BUILD_MODE=args.mode, TIMBREL_BUILD_EXCLUDE=args.exclude)
        target = executable(dist, args.mode)
        distpath = target.parent if args.mode == "onefile" else dist
        cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(distpath), "--workpath", str(Path(args.work).resolve() / args.mode), str(SPEC)]
        if args.clean:
            cmd.insert(3, "--clean")
        old = distpath / NAME
        if old.exists():  # PyInstaller refuses to replace a folder with a file and vice versa
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        print(f"== building the {args.mode} app (PyInstaller; several minutes on 2 cores)", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        report["build_seconds"] = round(time.perf_counter() - t0, 1)
        if proc.returncode != 0 or not target.exists():
            print(f"build.py: PyInstaller failed (exit {proc.returncode}); see the messages above.", file=sys.stderr)
            return 1
        out = target if args.mode == "onefile" else target.parent
        report["output"] = str(out)
        report["size_bytes"] = tree_size(out)
        print(f"== built {out} ({report['size_bytes'] / 2**20:.0f} MiB) in {report['build_seconds']:.0f} s", flush=True)

    if args.selftest:
        exe = executable(dist, args.mode)
        if not exe.exists():
            print(f"build.py: there is no built app at {exe}.\n  hint: build it first (drop --skip-build).", file=sys.stderr)
            return 1
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TIMBREL_TORCH_THREADS="1")
        env.pop("TIMBREL_RESOURCES", None)
        home = ROOT / "build" / "selftest-home"
        shutil.rmtree(home, ignore_errors=True)
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
            env[var] = str(home / sub)
        env["TIMBREL_CONFIG_DIR"] = str(home / "config" / "timbrel")
        rc, text, secs = run_built(exe, ["--version"], env, 300)
        report["startup_version_seconds"] = round(secs, 2)
        print(f"== '{exe.name} --version' took {secs:.2f} s: {text.strip()[-3000:]}", flush=True)
        report["version_rc"] = rc
        if rc != 0:
            print("build.py: the built app cannot even print its version; see the traceback above.", file=sys.stderr)
            _write_report(report)
            return 1
        st_args = ["--selftest", "--demo"] + ([] if args.no_preview_check or "preview" in args.exclude else ["--preview"])
        rc, text, secs = run_built(exe, st_args, env, 600)
        report["selftest_seconds"] = round(secs, 2)
        line = next((ln for ln in text.splitlines() if ln.startswith("SELFTEST")), text.strip()[-2000:])
        report["selftest"] = line
        report["selftest_rc"] = rc
        print(f"== selftest ({secs:.1f} s): {line}", flush=True)
        if rc != 0 or not line.startswith("SELFTEST OK"):
            print(text[-6000:], file=sys.stderr)
            _write_report(report)
            return 1
    _write_report(report)
    return 0


def _write_report(report: dict) -> None:
    path = ROOT / "build" / "packaging-report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(f"== report: {path}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
