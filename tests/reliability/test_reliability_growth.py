"""Case 7 — nothing grows without bound: one transcript cap everywhere, history that stores a long text once,
and no empty versions from edits, reverts or consolidations that change nothing."""

from __future__ import annotations

import json

import pytest

from engine.errors import InvalidInput
from engine.library.text import MAX_TRANSCRIPT
from rel_helpers import cli, write_wav


@pytest.fixture
def eng(tmp_path):
    from engine.api import Engine
    from engine.settings import Settings

    e = Engine(library=tmp_path / "lib", settings=Settings(tmp_path / "s.json"))
    yield e
    e.close()


def _voice_with_long_transcripts(eng, tmp_path, n=3, chars=9000):
    lines = []
    for i in range(n):
        write_wav(tmp_path / f"{i}.wav", seed=i + 1)
        lines.append(f"{i}.wav|long|en|" + (f"clip{i} " + "abcdefgh " * (chars // 9))[:chars])
    (tmp_path / "long.list").write_text("\n".join(lines), encoding="utf-8")
    report = eng.importer.import_paths([tmp_path / "long.list"])
    assert report.clips_added == n


def test_history_stores_long_texts_once(eng, tmp_path, capsys):
    _voice_with_long_transcripts(eng, tmp_path)
    lib = eng.library

    def history_bytes() -> int:
        return int(lib.catalog.scalar("SELECT SUM(LENGTH(snapshot)) FROM voice_versions"))

    before = history_bytes()
    for i in range(10):
        with lib.edit("long", action="tag") as ed:
            ed.add_tag(f"t{i}")
    per_version = (history_bytes() - before) / 10
    assert per_version < 2000, per_version                        # not 3 × 9000 characters again
    assert lib.catalog.scalar("SELECT COUNT(*) FROM history_texts") == 3
    first = lib.history("long")[0].snapshot                       # history still gives the full texts
    assert all(len(c["transcript"]) == 9000 for c in first["clips"])
    rc, _, err = cli(["--library", str(lib.root), "revert", "long", "1"], capsys)
    assert rc == 0, err
    assert lib.voice("long").tags == ()
    rc, _, _ = cli(["--library", str(lib.root), "delete", "long", "--yes"], capsys)
    assert rc == 0 and lib.catalog.scalar("SELECT COUNT(*) FROM history_texts") == 0


def test_transcript_cap_is_the_same_everywhere(eng, tmp_path, capsys):
    write_wav(tmp_path / "a.wav", seed=1)
    too_long = "x" * (MAX_TRANSCRIPT + 1)
    (tmp_path / "a.list").write_text(f"a.wav|v|en|{too_long}", encoding="utf-8")
    report = eng.importer.import_paths([tmp_path / "a.list"])
    assert report.clips_added == 0 and "longer than" in report.rejected[0].reason
    report = eng.importer.import_paths([tmp_path / "a.wav"], voice="v")
    clip = eng.library.voice("v").clips[0]
    rc, _, err = cli(["--library", str(eng.library.root), "clip", "set", str(clip.id), "--transcript", too_long], capsys)
    assert rc == 1 and "longer than" in err
    with pytest.raises(InvalidInput):
        with eng.library.edit("v") as ed:
            ed.update_clip(clip.id, transcript=too_long)
    pack = tmp_path / "v.timbrel"
    eng.importer.export("v", pack)
    _rewrite_manifest(pack, lambda m: m["clips"][0].update(transcript=too_long))
    rc, out, err = cli(["--library", str(tmp_path / "other"), "import", str(pack), "--json"], capsys)
    assert rc == 1 and "at most 10000 characters" in err


def _rewrite_manifest(pack, change):
    import zipfile

    with zipfile.ZipFile(pack) as zf:
        entries = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    m = json.loads(entries["manifest.json"])
    change(m)
    entries["manifest.json"] = json.dumps(m).encode()
    with zipfile.ZipFile(pack, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_no_empty_versions(eng, tmp_path, capsys):
    write_wav(tmp_path / "a.wav", seed=1)
    eng.importer.import_paths([tmp_path / "a.wav"], voice="v")
    lib = eng.library
    root = ["--library", str(lib.root)]
    cli([*root, "tag", "v", "x"], capsys)
    v = lib.voice("v").version
    cli([*root, "tag", "v", "x"], capsys)                           # already tagged
    clip = lib.voice("v").clips[0]
    cli([*root, "clip", "set", str(clip.id), "--emotion", "happy"], capsys)
    v2 = lib.voice("v").version
    cli([*root, "clip", "set", str(clip.id), "--emotion", "happy"], capsys)  # the same value again
    assert lib.voice("v").version == v2 == v + 1
    rc, out, _ = cli([*root, "revert", "v", str(v2)], capsys)       # already looks like that
    assert rc == 0 and "nothing was changed" in out and lib.voice("v").version == v2
    cli([*root, "revert", "v", "1"], capsys)
    v3 = lib.voice("v").version
    cli([*root, "revert", "v", "1"], capsys)                        # re-running the revert
    assert lib.voice("v").version == v3 == v2 + 1
    assert [h.version for h in lib.history("v")] == list(range(1, v3 + 1))


def test_rerunning_a_base_assignment_adds_no_version(eng):
    from engine.backends.tone.create import create_tone_base
    from engine.consolidation import versions

    rec = create_tone_base(eng, "tone-a", seed=1)
    first = versions.record(eng, 7, rec, "assigned")
    again = versions.record(eng, 7, rec, "adopted")                 # nothing changes for cluster 7
    assert again.version == first.version == 1
    other = create_tone_base(eng, "tone-b", seed=2)
    assert versions.record(eng, 7, other, "assigned").version == 2
