"""The layer contracts in pyproject.toml ([tool.importlinter]) hold, and they really catch a violation.

``lint-imports`` reads the contracts from pyproject.toml and the import graph of the packages on the path.
The second test copies the packages into a temporary folder, adds a module that imports Qt inside the engine,
and checks that the same contracts then fail: a contract that cannot fail would prove nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("importlinter", reason="import-linter is part of the dev extra")
    env = dict(os.environ, PYTHONPATH=str(cwd))
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=240)


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.qm", "*.ts", "*.png", "*.svg", "*.npz",
                                    "*.safetensors", "*.wav", "*.flac")
    for package in ("engine", "desktop"):
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")


def test_layer_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_qt_import_in_the_engine_breaks_the_contract(tmp_path):
    _copy_tree(tmp_path)
    (tmp_path / "engine" / "_qt_probe.py").write_text("import PySide6.QtCore  # a forbidden import\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "engine._qt_probe" in result.stdout
    assert "PySide6" in result.stdout


def test_a_desktop_import_around_the_facade_breaks_the_contract(tmp_path):
    _copy_tree(tmp_path)
    (tmp_path / "desktop" / "_facade_probe.py").write_text("from engine.library import emotions  # around engine.api\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "desktop._facade_probe" in result.stdout


def test_the_desktop_contract_names_every_engine_part_but_the_facade():
    """A new engine module must join the desktop contract's forbidden list (or the facade must re-export it)."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    desktop = next(c for c in contracts if c.get("source_modules") == ["desktop"] and c["type"] == "forbidden")
    parts = {f"engine.{p.stem}" for p in (ROOT / "engine").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}
    assert parts - {"engine.api", "engine.cli", "engine.server"} == set(desktop["forbidden_modules"])


def test_an_upward_import_breaks_the_engine_layers(tmp_path):
    """The library sits below the runtime: a library module that imports the runtime is a circle in the making."""
    _copy_tree(tmp_path)
    (tmp_path / "engine" / "library" / "_layer_probe.py").write_text("from engine.runtime import budget  # upward\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "engine.library._layer_probe" in result.stdout
