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


# -- the complexity / size ratchet -------------------------------------------------------------------------------------
# No function in engine/ or desktop/ above cyclomatic complexity 25 (radon) and no module over 450 lines, except
# generated tables (docs/DEVELOPING.md). The lists may only shrink: a new offender fails here.
MAX_COMPLEXITY = 25
MAX_MODULE_LINES = 450

COMPLEX_FUNCTIONS = {
}

LONG_MODULES = {
    "engine/backends/gptsovits/text/tables.py",    # generated tables (pinyin / tone data), not logic
}


def _python_files():
    for package in ("engine", "desktop"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, path.relative_to(ROOT).as_posix()


def _too_complex(source: str, rel: str) -> dict[str, int]:
    from radon.complexity import cc_visit
    from radon.visitors import Class

    out = {}
    for block in cc_visit(source):
        items = block.methods if isinstance(block, Class) else [block]
        for fn in items:
            name = f"{fn.classname}.{fn.name}" if getattr(fn, "classname", None) else fn.name
            if fn.complexity > MAX_COMPLEXITY:
                out[f"{rel}:{name}"] = fn.complexity
    return out


def test_no_new_function_is_too_complex():
    pytest.importorskip("radon", reason="radon is part of the dev extra")
    found = {}
    for path, rel in _python_files():
        found.update(_too_complex(path.read_text(encoding="utf-8"), rel))
    new = {k: v for k, v in found.items() if k not in COMPLEX_FUNCTIONS}
    assert not new, f"cyclomatic complexity over {MAX_COMPLEXITY} (split the function): {new}"


def test_no_new_module_is_too_long():
    long = {rel: n for path, rel in _python_files()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    new = {k: v for k, v in long.items() if k not in LONG_MODULES}
    assert not new, f"modules over {MAX_MODULE_LINES} lines (give each job its own module): {new}"


def test_the_ratchet_catches_a_new_complex_function():
    pytest.importorskip("radon", reason="radon is part of the dev extra")
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(MAX_COMPLEXITY + 1))
    assert _too_complex(f"def tangled(x):\n{branches}    return -1\n", "engine/probe.py") == {
        "engine/probe.py:tangled": MAX_COMPLEXITY + 2}
