"""Case 4 — devices, FIFOs and folders where a file is expected: refused at once, never read without bound,
never waited on."""

from __future__ import annotations

import os

import pytest

from engine.errors import InvalidInput
from engine.fsutil import open_regular, read_bounded
from rel_helpers import no_traceback

pytestmark = pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs are POSIX things")


@pytest.fixture
def fifo(tmp_path):
    def make(name: str):
        p = tmp_path / name
        os.mkfifo(p)
        return p
    return make


@pytest.fixture
def zero(tmp_path):
    def make(name: str):
        p = tmp_path / name
        p.symlink_to("/dev/zero")
        return p
    return make


def test_safe_read_refuses_non_regular_files(tmp_path, fifo):
    for p, kind in ((fifo("x.list"), "pipe"), ("/dev/zero", "device"), (tmp_path, "folder")):
        with pytest.raises(InvalidInput, match=kind):
            read_bounded(p, 1 << 20)
    with pytest.raises(InvalidInput, match="does not exist"):
        open_regular(tmp_path / "nope")


def test_safe_read_bound_is_on_bytes_read(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"x" * 1001)
    assert read_bounded(p, 1001) == b"x" * 1001
    with pytest.raises(InvalidInput, match="larger than"):
        read_bounded(p, 1000)


_RUNNER = """
import contextlib, io, json, sys, traceback
from engine.cli import main
out = []
for args in json.loads(sys.argv[1]):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(args)
    except BaseException:
        rc, err = -1, io.StringIO(traceback.format_exc())
    out.append([rc, err.getvalue()])
print(json.dumps(out))
"""


def test_cli_refuses_special_files_quickly(tmp_path, fifo, zero):
    """A .list, a pack, a recording and a checkpoint that are /dev/zero or a FIFO: exit 1, plain message.
    (All in one real process with a timeout: a hang fails the test instead of hanging it.)"""
    import json
    import subprocess
    import sys

    from rel_helpers import REPO, env_for

    lib = str(tmp_path / "lib")
    dataset = tmp_path / "dataset"                       # a folder whose .list files are a FIFO and /dev/zero
    dataset.mkdir()
    os.mkfifo(dataset / "a.list")
    (dataset / "b.list").symlink_to("/dev/zero")
    cases = [
        ["--library", lib, "import", str(zero("zero.list"))],
        ["--library", lib, "import", str(fifo("pipe.list"))],
        ["--library", lib, "import", str(fifo("pipe.timbrel"))],
        ["--library", lib, "import", str(zero("zero.wav")), str(fifo("pipe.wav")), "--voice", "V"],
        ["--library", lib, "import", str(dataset)],
    ]
    expected = ["not an ordinary file"] * 4 + ["no audio files"]
    res = subprocess.run([sys.executable, "-c", _RUNNER, json.dumps(cases)], capture_output=True, text=True,
                         env=env_for(), timeout=120, cwd=str(REPO))
    assert res.returncode == 0, res.stderr
    for args, want, (rc, err) in zip(cases, expected, json.loads(res.stdout.splitlines()[-1])):
        assert rc == 1, (args, err)
        assert no_traceback(err) and want in err.lower(), (args, err)


def _finishes(fn, timeout: float = 30.0):
    """Run ``fn`` in a daemon thread; returns (finished, exception)."""
    import threading

    box: dict = {}

    def run():
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["exc"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    return not t.is_alive(), box.get("exc")


def test_checkpoint_readers_refuse_special_files(fifo, zero):
    from engine.backends.gptsovits import checkpoint as ck

    for fn, path in ((ck.read_gpt_file, zero("zero.ckpt")), (ck.read_sovits_file, fifo("pipe.pth")),
                     (ck.read_sv_file, zero("sv.ckpt"))):
        done, exc = _finishes(lambda: fn(path))
        assert done, f"{fn.__name__} hangs on {path.name}"
        assert isinstance(exc, InvalidInput) and "not an ordinary file" in exc.message, exc
