"""`timbrel voices --json` is written by SQLite (engine/library/listing.py): the same values, in the same order,
as the voices' own to_dict(), whatever the names, transcripts, tags and durations hold."""

from __future__ import annotations

import json

from engine.cli import main
from engine.library.library import Library


def _fill(lib: Library) -> None:
    durations = [12345 / 44100, 0.1, 0.1 + 0.2, 4.0, 1e-7 + 3, 7 / 3]
    texts = ['plain', 'quote " and back\\slash', "new\nline\ttab", "中文，句子。", "emoji 🎙️", "zero\u200bwidth"]
    for i, name in enumerate(["Zoë", "alice", "Bob", "中文声音"]):
        with lib.edit_new(name, language=None if i == 1 else "en") as ed:
            if i != 2:
                ed.set_tags(["tag-b", "标签", 'q"t'][: i + 1])
            ed.set_notes("notes\nwith a line" if i == 0 else "")
            for j in range(i + 1):
                sha = lib.blobs.put_bytes(f"clip {i} {j}".encode())
                ed.add_clip(sha, duration=durations[(i + j) % 6], sample_rate=44100 if j else 16000,
                            transcript=texts[(i * 2 + j) % 6], language=None if j == 1 else "zh",
                            emotion="happy" if j == 0 else None, source_path=None if j else f"/src/{name}/{j}.wav")
    with lib.edit_new("empty voice"):
        pass


def test_voices_json_has_the_values_of_to_dict(tmp_path):
    lib = Library.open(tmp_path / "lib")
    try:
        assert json.loads(lib.voices_json()) == []
        _fill(lib)
        expected = [v.to_dict() for v in lib.voices()]
        got = json.loads(lib.voices_json())
        assert got == expected
        assert [list(v) for v in got] == [list(v) for v in expected]                       # key order too
        assert [list(c) for v in got for c in v["clips"]] == [list(c) for v in expected for c in v["clips"]]
        # every float reads back bit for bit (SQLite's own rendering keeps 15 digits only)
        assert [c["duration"].hex() for v in got for c in v["clips"]] == \
            [c.duration.hex() for v in lib.voices() for c in v.clips]
    finally:
        lib.close()


def test_the_voices_command_prints_the_listing(tmp_path, capsys):
    lib = Library.open(tmp_path / "lib")
    try:
        _fill(lib)
        expected = [v.to_dict() for v in lib.voices()]
        summaries = {v.name: v for v in lib.voices()}
    finally:
        lib.close()
    assert main(["--library", str(tmp_path / "lib"), "voices", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected
    assert main(["--library", str(tmp_path / "lib"), "voices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(expected)
    bob = next(line for line in lines if line.startswith("Bob "))
    assert bob.split()[1:3] == [str(len(summaries["Bob"].clips)), f"{summaries['Bob'].total_seconds:.1f}"]
