"""Voice packs: export → import round trip, and every way a pack is refused."""

from __future__ import annotations

import io
import json
import stat
import warnings
import zipfile
from pathlib import Path

import pytest
from library_helpers import fingerprint

from engine.errors import AlreadyExists
from engine.library import doctor
from engine.library.packs import FORMAT, FORMAT_VERSION, read_pack


@pytest.fixture
def voice_engine(engine, corpus):
    src = corpus / "clips" / "cs_festival_dita"
    engine.importer.import_paths([src / "01.flac", src / "02.flac", src / "03.flac"], voice="Dita", language="cs")
    lib = engine.library
    clips = lib.voice("Dita").clips
    with lib.edit("Dita") as ed:
        ed.set_tags(["female", "czech"])
        ed.set_notes("festival voice — ěščř")
        ed.update_clip(clips[0].id, emotion="happy", transcript="Dobrý den.")
        ed.update_clip(clips[1].id, emotion="sad", emotion_source="import")
    return engine


def test_export_import_round_trip_in_a_fresh_library(voice_engine, tmp_path):
    from engine.api import Engine
    from engine.settings import Settings

    pack = tmp_path / "dita.timbrel"
    info = voice_engine.importer.export("Dita", pack)
    assert info["clips"] == 3 and pack.is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    src = voice_engine.library.voice("Dita")
    with Engine(library=tmp_path / "other", settings=Settings(tmp_path / "s.json")) as other:
        report = other.importer.import_paths([pack])
        assert report.imported == 1 and report.voices[0].status == "created"
        v = other.library.voice("Dita")
        assert v.tags == src.tags and v.notes == src.notes and v.language == "cs"
        fields = ("sha256", "transcript", "language", "emotion", "emotion_source", "sample_rate")
        assert [tuple(getattr(c, f) for f in fields) for c in v.clips] == [tuple(getattr(c, f) for f in fields) for c in src.clips]
        for a, b in zip(v.clips, src.clips):
            assert a.duration == pytest.approx(b.duration, abs=1e-3)
            assert other.library.clip_path(a).read_bytes() == voice_engine.library.clip_path(b).read_bytes()
        assert doctor.check(other.library).clean


def test_pack_import_under_a_new_name_stores_nothing_twice(voice_engine, tmp_path):
    pack = tmp_path / "dita.timbrel"
    voice_engine.importer.export("Dita", pack)
    lib = voice_engine.library
    blobs = set(lib.blobs.iter_shas())
    report = voice_engine.importer.import_paths([pack], voice="Dita copy")
    assert report.stored_bytes == 0
    assert set(lib.blobs.iter_shas()) == blobs
    assert len(lib.voice("Dita copy").clips) == 3


def test_name_clash_is_a_clear_error(voice_engine, tmp_path, capsys):
    from engine.cli import main

    pack = tmp_path / "dita.timbrel"
    voice_engine.importer.export("Dita", pack)
    before = fingerprint(voice_engine.library)
    rc = main(["--library", str(voice_engine.library.root), "import", str(pack)])
    err = capsys.readouterr().err
    assert rc == 1 and "already a voice named 'Dita'" in err and "--voice NEWNAME" in err
    assert fingerprint(voice_engine.library) == before


def test_export_does_not_overwrite_without_force(voice_engine, tmp_path):
    pack = tmp_path / "dita.timbrel"
    pack.write_bytes(b"precious")
    with pytest.raises(AlreadyExists):
        voice_engine.importer.export("Dita", pack)
    assert pack.read_bytes() == b"precious"
    voice_engine.importer.export("Dita", pack, overwrite=True)
    assert zipfile.is_zipfile(pack)


# -- hostile packs ----------------------------------------------------------------------------------
def _entries(pack: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(pack) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def _write(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we write on purpose
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _manifest(entries) -> dict:
    return json.loads(dict((i.filename, d) for i, d in entries)["manifest.json"])


def _with_manifest(entries, manifest: dict):
    return [(i, json.dumps(manifest).encode() if i.filename == "manifest.json" else d) for i, d in entries]


def _hostile(case: str, good: list, tmp: Path) -> list:
    clip_info, clip_data = next((i, d) for i, d in good if i.filename.startswith("clips/"))
    if case == "dotdot":
        return good + [(zipfile.ZipInfo("clips/../../evil.flac"), b"x")]
    if case == "absolute":
        return good + [(zipfile.ZipInfo("/tmp/evil.flac"), b"x")]
    if case == "windows":
        return good + [(zipfile.ZipInfo("C:\\evil.flac"), b"x")]
    if case == "symlink":
        link = zipfile.ZipInfo("clips/" + "0" * 64 + ".flac")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        return good + [(link, b"/etc/passwd")]
    if case == "duplicate":
        return good + [(zipfile.ZipInfo(clip_info.filename), clip_data)]
    if case == "unexpected":
        return good + [(zipfile.ZipInfo("run.sh"), b"rm -rf /")]
    if case == "unlisted":
        return good + [(zipfile.ZipInfo("clips/" + "a" * 64 + ".flac"), clip_data)]
    if case == "bomb":
        bomb = zipfile.ZipInfo("clips/" + "b" * 64 + ".flac")
        bomb.compress_type = zipfile.ZIP_DEFLATED
        return good + [(bomb, b"\0" * (40 << 20))]
    if case == "hash":
        return [(i, d[:-10] + b"0123456789" if i.filename == clip_info.filename else d) for i, d in good]
    if case == "newer":
        m = _manifest(good)
        m["format_version"] = FORMAT_VERSION + 1
        return _with_manifest(good, m)
    if case == "no-manifest":
        return [(i, d) for i, d in good if i.filename != "manifest.json"]
    if case == "bad-emotion":
        m = _manifest(good)
        m["clips"][0]["emotion"] = "smug"
        return _with_manifest(good, m)
    if case == "file-name":
        m = _manifest(good)
        m["clips"][0]["file"] = "../../etc/passwd"
        return _with_manifest(good, m)
    if case == "not-flac":
        wav = io.BytesIO(b"RIFF" + b"\0" * 100).getvalue()
        import hashlib

        sha = hashlib.sha256(wav).hexdigest()
        m = _manifest(good)
        m["clips"].append({"file": f"clips/{sha}.flac", "sha256": sha})
        return _with_manifest(good, m) + [(zipfile.ZipInfo(f"clips/{sha}.flac"), wav)]
    raise AssertionError(case)


@pytest.mark.parametrize("case, message", [
    ("dotdot", "tries to leave"), ("absolute", "absolute"), ("windows", "absolute or Windows"),
    ("symlink", "symbolic link"), ("duplicate", "appears twice"), ("unexpected", "unexpected entry"),
    ("unlisted", "not listed"), ("bomb", "zip bomb"), ("hash", "does not match its hash"),
    ("newer", "newer Timbrel"), ("no-manifest", "no manifest"), ("bad-emotion", "smug"),
    ("file-name", "instead of its hash"), ("not-flac", "not FLAC"),
])
def test_hostile_or_broken_packs_are_refused_and_change_nothing(voice_engine, tmp_path, case, message):
    good_pack = tmp_path / "good.timbrel"
    voice_engine.importer.export("Dita", good_pack)
    good = _entries(good_pack)
    m = _manifest(good)
    m["voice"]["name"] = "Fresh"  # no name clash: only the damage can stop it
    good = _with_manifest(good, m)
    bad = _write(tmp_path / f"{case}.timbrel", _hostile(case, good, tmp_path))
    lib = voice_engine.library
    before = fingerprint(lib)
    outside = sorted(p.name for p in tmp_path.parent.iterdir())
    report = voice_engine.importer.import_paths([bad])
    assert report.rejected and message in report.rejected[0].reason, report.rejected[0].reason if report.rejected else report
    assert fingerprint(lib) == before
    assert "Fresh" not in lib.voice_names()
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == outside
    assert not (tmp_path / "evil.flac").exists()


def test_the_untouched_pack_does_import(voice_engine, tmp_path):
    good_pack = tmp_path / "good.timbrel"
    voice_engine.importer.export("Dita", good_pack)
    p = read_pack(good_pack)
    assert p.name == "Dita" and len(p.clips) == 3
    with zipfile.ZipFile(good_pack) as zf:
        m = json.loads(zf.read("manifest.json"))
    assert m["format"] == FORMAT and m["format_version"] == FORMAT_VERSION
    assert all(c["file"] == f"clips/{c['sha256']}.flac" for c in m["clips"])


def test_not_a_zip_is_rejected(engine, tmp_path):
    p = tmp_path / "fake.timbrel"
    p.write_bytes(b"PK\x03\x04 not really")
    report = engine.importer.import_paths([p])
    assert report.rejected and "not a zip" in report.rejected[0].reason
