"""Every command line that Timbrel's messages and hints tell a person to run parses with the real ``timbrel`` parser
(engine commands + the desktop's ``app``/``trigger``): no hint may name a command or option that does not exist."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QUOTED = re.compile(r"'(timbrel [^'\n]+)'")                 # 'timbrel cluster --show'
PARENS = re.compile(r"\((timbrel [^()\n]+)\)")             # (timbrel import 'X' --layout lists)


def hint_commands() -> dict[str, list[str]]:
    """command line → where it appears, from the engine's and the desktop's sources."""
    found: dict[str, list[str]] = {}
    for folder in ("engine", "desktop"):
        for path in sorted((REPO / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for rx in (QUOTED, PARENS):
                for m in rx.finditer(text):
                    for part in m.group(1).split("&&"):
                        found.setdefault(part.strip(), []).append(f"{path.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}")
    return found


def to_argv(line: str) -> list[str]:
    """Placeholders become values: {python expressions} and quoted paths → 1, NAME/BASE/FILE.ckpt... → 1."""
    line = re.sub(r"\{[^{}]*(\{[^{}]*\}[^{}]*)*\}", "1", line)
    line = re.sub(r"\\?\"[^\"]*\\?\"|'[^']*'", "1", line)
    out = []
    for word in line.split()[1:]:
        if word in ("...", "…"):
            continue
        out.append("1" if re.fullmatch(r"[A-Z][A-Z0-9_./-]*|[A-Z]+\.[a-z]+|F\.[a-z]+|N", word) else word)
    return out


COMMANDS = hint_commands()


def test_hints_were_found():
    assert len(COMMANDS) >= 20 and "timbrel cluster" in COMMANDS


@pytest.fixture(scope="module")
def parser():
    import desktop.cli
    from engine.cli import build_parser

    return build_parser(plugins=[desktop.cli])


@pytest.mark.parametrize("line", sorted(COMMANDS))
def test_hint_parses(line, parser):
    argv = to_argv(line)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(argv)
        except SystemExit as exc:
            # naming a real command without its arguments ("'timbrel revert' brings it back") is fine
            if exc.code and "the following arguments are required" not in err.getvalue():
                pytest.fail(f"{line!r} (from {', '.join(COMMANDS[line][:3])}) does not parse as {argv}: "
                            f"{err.getvalue().strip().splitlines()[-1]}")


def test_written_wav_has_normal_permissions(tmp_path):
    """A WAV written for the user is readable by others like any new file (mode 0666 less the umask), not 0600."""
    import os

    import numpy as np

    from engine.audio.io import write_wav
    from engine.fsutil import current_umask

    out = tmp_path / "say.wav"
    write_wav(out, np.zeros(1600, np.float32), 16000)
    assert (os.stat(out).st_mode & 0o777) == (0o666 & ~current_umask())
    assert (os.stat(out).st_mode & 0o044) == (0o044 & ~current_umask())
