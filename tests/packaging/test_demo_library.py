"""The bundled demo library: manifest, clips, licences, and installing it into a library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf

from engine.demo import demo_manifest, install_demo_library, is_library_empty, resources_dir
from engine.errors import InvalidInput, MissingAsset

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo"


def test_manifest_lists_four_voices_with_three_or_four_clips_each_across_styles():
    man = demo_manifest()
    assert len(man["voices"]) == 4
    for v in man["voices"]:
        assert 3 <= len(v["clips"]) <= 4
        assert {"neutral", "happy", "sad"} <= {c["emotion"] for c in v["clips"]}
        for c in v["clips"]:
            info = sf.info(DEMO / c["file"])
            assert info.channels == 1 and info.format == "FLAC"
            assert 2.5 <= info.duration <= 10.0
            assert c["text"].strip()


def test_dataset_list_matches_manifest():
    man = demo_manifest()
    lines = (DEMO / "dataset.list").read_text("utf-8").splitlines()
    expected = [f"{c['file']}|{v['name']}|{c['language']}|{c['text']}" for v in man["voices"] for c in v["clips"]]
    assert lines == expected


def test_demo_is_small_and_licensed():
    total = sum(p.stat().st_size for p in (DEMO / "clips").rglob("*.flac"))
    per_voice = total / len(demo_manifest()["voices"])
    assert per_voice < 1_000_000
    lic = (DEMO / "LICENSES.md").read_text("utf-8")
    for v in demo_manifest()["voices"]:
        assert v["flite_voice"].replace("16", "") in lic
    assert "Carnegie Mellon" in lic


def test_resources_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMBREL_RESOURCES", str(tmp_path))
    # an override without demo files falls back to the checkout's resources
    assert resources_dir() == REPO / "resources"
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "demo.json").write_text(json.dumps({"format": 1, "voices": []}))
    assert resources_dir() == tmp_path


def test_missing_resources_is_a_plain_error(tmp_path, monkeypatch):
    import engine.demo as demo

    monkeypatch.setattr(demo, "__file__", str(tmp_path / "engine" / "demo.py"))
    monkeypatch.delenv("TIMBREL_RESOURCES", raising=False)
    with pytest.raises(MissingAsset) as err:
        demo.resources_dir()
    assert err.value.hint


def test_install_into_empty_library(engine):
    assert is_library_empty(engine)
    res = install_demo_library(engine, with_preview_base=False)
    names = engine.library.voice_names()
    assert sorted(res.voices) == sorted(names) == sorted(v["name"] for v in demo_manifest()["voices"])
    assert res.clips == sum(len(v["clips"]) for v in demo_manifest()["voices"])
    v = engine.library.voice("Demo SLT")
    assert "demo" in v.tags
    assert {c.emotion for c in v.clips} == {"neutral", "happy", "sad"}
    assert all(c.sample_rate == 16000 and c.language == "en" for c in v.clips)
    # the stored clip is byte-identical to the bundled FLAC
    first = demo_manifest()["voices"][0]["clips"][0]
    stored = [c for c in engine.library.voice(demo_manifest()["voices"][0]["name"]).clips if c.transcript == first["text"]][0]
    assert engine.library.clip_path(stored).read_bytes() == (DEMO / first["file"]).read_bytes()


def test_install_refuses_non_empty_library_unless_forced(engine):
    engine.library.create_voice("Mine")
    with pytest.raises(InvalidInput):
        install_demo_library(engine, with_preview_base=False)
    res = install_demo_library(engine, force=True, with_preview_base=False)
    assert len(res.voices) == 4
    again = install_demo_library(engine, force=True, with_preview_base=False)
    assert again.voices == [] and len(again.skipped) == 4
    assert len(engine.library.voice_names()) == 5


def test_install_if_empty_only_touches_an_empty_library(engine):
    from engine.demo import install_demo_if_empty

    first = install_demo_if_empty(engine)
    assert first is not None and len(first.voices) == 4
    assert install_demo_if_empty(engine) is None


def test_demo_clips_pass_the_importers_reference_checks(engine):
    # the demo must be made of clips Timbrel itself accepts as references (3-10 s of speech each)
    report = engine.importer.import_paths([DEMO / "dataset.list"], dry_run=True)
    assert [f.reason for f in report.rejected] == []
    assert len(report.files) == 16
