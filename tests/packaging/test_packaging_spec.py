"""Static checks of the packaging files (fast; the real build runs in CI through .ci/run)."""

from __future__ import annotations

import ast
import struct
from pathlib import Path

import soundfile  # noqa: F401

REPO = Path(__file__).resolve().parents[2]


def test_spec_is_python_and_collects_package_data_and_resources():
    spec = (REPO / "packaging" / "timbrel.spec").read_text("utf-8")
    ast.parse(spec)
    assert 'collect_data_files("engine"' in spec
    assert '"resources"' in spec and '"demo"' in spec and '"icons"' in spec
    assert "timbrel_entry.py" in spec and "onefile" in spec


def test_build_script_help_and_missing_build(tmp_path):
    import subprocess
    import sys

    build = REPO / "packaging" / "build.py"
    h = subprocess.run([sys.executable, str(build), "--help"], capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and "--onefile" in h.stdout and "--selftest" in h.stdout
    r = subprocess.run([sys.executable, str(build), "--skip-build", "--selftest", "--dist", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no built app" in r.stderr


def test_engine_package_data_includes_every_schema_file():
    # what PyInstaller's collect_data_files and pip's wheel both rely on
    import tomllib

    cfg = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = cfg["tool"]["setuptools"]["package-data"]["*"]
    assert "*.sql" in patterns
    assert list((REPO / "engine" / "library" / "schema").glob("*.sql"))


def test_icons_exist_in_every_size_and_the_ico_is_well_formed():
    icons = REPO / "resources" / "icons"
    assert (icons / "timbrel.svg").read_text().lstrip().startswith("<?xml")
    for s in (16, 32, 48, 256, 512):
        data = (icons / f"timbrel-{s}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        w, h = struct.unpack(">II", data[16:24])
        assert (w, h) == (s, s)
    ico = (icons / "timbrel.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    for i in range(count):
        _, _, _, _, _, _, size, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i: 22 + 16 * i])
        assert ico[offset: offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size <= len(ico)
