"""Dataset folders: a folder holding GPT-SoVITS lists imports through them; GPT-SoVITS' own output (slicer_opt +
asr_opt) imports in one step; a folder whose lists and audio do not fit together is not merged silently."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEAKERS = ("en_flite_awb", "zh_espeak_steph", "cs_festival_dita")


def _dataset(corpus: Path, root: Path, speakers=SPEAKERS, per=2) -> Path:
    """root/clips/<speaker>/<nn>.flac + root/train.list (paths relative to the list, as the corpus writes them)."""
    lines = []
    seen: dict[str, int] = {}
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines():
        rel, spk, lang, text = line.split("|", 3)
        if spk in speakers and seen.get(spk, 0) < per:
            seen[spk] = seen.get(spk, 0) + 1
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(corpus / rel, root / rel)
            lines.append(f"{rel}|{spk}|{lang}|{text}")
    (root / "train.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def engine(tmp_path):
    from engine.api import Engine

    eng = Engine(library=tmp_path / "lib")
    yield eng
    eng.close()


def test_folder_with_a_list_imports_one_voice_per_speaker_with_transcripts(engine, corpus, tmp_path):
    from engine.library.dataset_folders import inspect_folder

    folder = _dataset(corpus, tmp_path / "dataset")
    layout = inspect_folder(folder)
    assert layout.kind == "lists" and layout.audio_files == 6 and layout.audio_named == 6
    assert layout.speakers == {s: 2 for s in SPEAKERS}
    report = engine.importer.import_paths([folder])
    assert sorted(v.name for v in report.voices) == sorted(SPEAKERS)   # not one voice named "clips"
    steph = engine.library.voice("zh_espeak_steph")
    assert len(steph.clips) == 2 and all(c.language == "zh" and c.transcript for c in steph.clips)
    dita = engine.library.voice("cs_festival_dita")
    assert {c.language for c in dita.clips} == {"cs"}


def test_upstream_output_slicer_and_asr_in_one_step(engine, corpus, tmp_path):
    """GPT-SoVITS writes output/slicer_opt/*.wav and output/asr_opt/slicer_opt.list with the paths of the machine
    that ran it (Windows paths here); the list's lines are matched to the sliced clips by file name."""
    from engine.library.dataset_folders import inspect_folder

    out = tmp_path / "output"
    (out / "slicer_opt").mkdir(parents=True)
    (out / "asr_opt").mkdir()
    lines = []
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines()[:3]:
        rel, spk, lang, text = line.split("|", 3)
        name = f"{spk}_{Path(rel).stem}.flac"
        shutil.copy(corpus / rel, out / "slicer_opt" / name)
        lines.append(f"D:\\GPT-SoVITS\\output\\slicer_opt\\{name}|slicer_opt|{lang.upper()}|{text}")
    (out / "asr_opt" / "slicer_opt.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for target in (out, out / "slicer_opt", out / "asr_opt"):
        assert inspect_folder(target).kind == "upstream", target
    report = engine.importer.import_paths([out])
    assert [v.name for v in report.voices] == ["slicer_opt"] and report.clips_added == 3
    clips = engine.library.voice("slicer_opt").clips
    assert all(c.transcript and c.language == "en" for c in clips)


def test_unclear_layout_is_a_question_not_a_merge(engine, corpus, tmp_path):
    from engine.library.dataset_folders import LayoutUnclear

    folder = _dataset(corpus, tmp_path / "mixed")
    extra = folder / "clips" / "en_flite_rms"
    extra.mkdir(parents=True)
    shutil.copy(corpus / "clips" / "en_flite_rms" / "01.flac", extra / "01.flac")   # audio no list names
    with pytest.raises(LayoutUnclear) as info:
        engine.importer.import_paths([folder])
    assert info.value.layout.kind == "unclear" and "1 of 7 audio files are in no list" in info.value.layout.problem
    assert "--layout lists" in info.value.hint and engine.library.voices() == []
    summary = info.value.layout.describe()
    assert "train.list" in summary and "en_flite_rms/01.flac" in summary
    # the user's answers: through the lists (the unlisted file stays out), or the plain folder rule
    report = engine.importer.import_paths([folder], layout="lists", dry_run=True)
    assert sorted(v.name for v in report.voices) == sorted(SPEAKERS)
    report = engine.importer.import_paths([folder], layout="folders", dry_run=True)
    assert [v.name for v in report.voices] == ["clips"]


def test_cli_unclear_folder_prints_the_summary_and_the_question(corpus, tmp_path):
    folder = _dataset(corpus, tmp_path / "mixed", speakers=SPEAKERS[:1], per=1)
    (folder / "clips" / "loose").mkdir()
    shutil.copy(corpus / "clips" / "en_flite_rms" / "01.flac", folder / "clips" / "loose" / "x.flac")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "engine", "--library", str(tmp_path / "lib"), "import", str(folder)],
                         capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert run.returncode == 1
    assert "unclear layout" in run.stderr and "--layout lists" in run.stderr and "loose/x.flac" in run.stderr
    run = subprocess.run([sys.executable, "-m", "engine", "--library", str(tmp_path / "lib"), "import", str(folder),
                          "--layout", "lists"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "en_flite_awb: created, 1 clip(s) added" in run.stdout
