"""Fixtures for the consolidation tests: a fake GPT-SoVITS folder built from the shared tiny real-format
checkpoints and corpus clips (session-scoped: reading/writing the checkpoints is the slow part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# speaker → (experiment, how the experiment is tied to it)
SPEAKERS = ["en_flite_awb", "en_flite_awb_m125", "cs_festival_dita", "cs_festival_dita_p125", "en_piper_joe"]
CLIPS_PER_SPEAKER = 3


def corpus_lines(corpus: Path, speakers, per_speaker: int = CLIPS_PER_SPEAKER) -> list[str]:
    out, seen = [], {}
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines():
        rel, spk, lang, text = line.split("|", 3)
        if spk in speakers and seen.get(spk, 0) < per_speaker:
            seen[spk] = seen.get(spk, 0) + 1
            out.append(f"{rel}|{spk}|{lang}|{text}")
    return out


def voice_list(path: Path, corpus: Path, speakers, per_speaker: int = CLIPS_PER_SPEAKER) -> Path:
    """Write a GPT-SoVITS ``.list`` of those corpus clips (absolute audio paths) to ``path``."""
    path.write_text("\n".join(f"{corpus / ln.split('|', 1)[0]}|{ln.split('|', 1)[1]}"
                               for ln in corpus_lines(corpus, speakers, per_speaker)) + "\n", encoding="utf-8")
    return path


def engine_on_copy(template: Path, tmp_path: Path):
    """Yield an Engine on a fresh copy of a template library; closed when the test ends."""
    from engine.api import Engine

    dst = tmp_path / "lib"
    shutil.copytree(template, dst)
    eng = Engine(library=dst)
    yield eng
    eng.close()


def _perturbed_sovits(src: Path, dst: Path, header_variant: str, seed: int) -> None:
    """A distinct real-format SoVITS file: the fixture's weights with one tensor changed, written in
    upstream's format (HParams config, fp16, the 2-byte version header)."""
    import torch

    from engine.backends.gptsovits.checkpoint import read_sovits_file
    from engine.consolidation.export import sovits_bytes

    f, cfg = read_sovits_file(src)
    w = dict(f.weights)
    g = torch.Generator().manual_seed(seed)
    key = "dec.conv_post.weight"
    w[key] = (w[key].float() + 0.01 * torch.randn(w[key].shape, generator=g)).half()
    config = dict(f.config)
    dst.write_bytes(sovits_bytes(w, config, header_variant, "8epoch_400iteration"))


def _perturbed_gpt(src: Path, dst: Path, seed: int) -> None:
    import torch

    from engine.backends.gptsovits.checkpoint import read_gpt_file
    from engine.consolidation.export import gpt_bytes

    f, _ = read_gpt_file(src)
    w = dict(f.weights)
    g = torch.Generator().manual_seed(seed)
    key = "ar_predict_layer.weight"
    w[key] = (w[key].float() + 0.01 * torch.randn(w[key].shape, generator=g)).half()
    dst.write_bytes(gpt_bytes(w, f.config, "GPT-e8"))


@pytest.fixture(scope="session")
def gsv_folder(tmp_path_factory, corpus, gsv_fixtures) -> Path:
    """A GPT-SoVITS install as a user would have it after training three voices:

    * ``en_flite_awb``: v2 model (plain ``PK`` SoVITS file, fixture copied as is), tied by name;
      an older GPT epoch lies beside the newest;
    * ``awbpitch`` → ``en_flite_awb_m125``: v2Pro model (header ``05``, distinct weights), tied through
      ``logs/awbpitch/2-name2text.txt``;
    * ``cs_festival_dita``: v2ProPlus model (header ``06``, fixture copied as is), tied by name;
    * ``orphan``: only a GPT file (skipped); ``cs_festival_dita_p125`` and ``en_piper_joe``: data, no model.
    """
    root = tmp_path_factory.mktemp("gsv") / "GPT-SoVITS"
    gpt_dir, sov_dir = root / "GPT_weights_v2", root / "SoVITS_weights_v2Pro"
    for d in (gpt_dir, sov_dir, root / "output" / "asr_opt", root / "logs" / "awbpitch", root / "clips"):
        d.mkdir(parents=True)
    lines = corpus_lines(corpus, SPEAKERS)
    list_lines = []
    for line in lines:
        rel, rest = line.split("|", 1)
        name = rel.replace("clips/", "").replace("/", "_")
        shutil.copyfile(corpus / rel, root / "clips" / name)
        list_lines.append(f"{root / 'clips' / name}|{rest}")
    (root / "output" / "asr_opt" / "slicer_opt.list").write_text("\n".join(list_lines) + "\n", encoding="utf-8")
    pitch = [ln.split("|")[0] for ln in list_lines if ln.split("|")[1] == "en_flite_awb_m125"]
    (root / "logs" / "awbpitch" / "2-name2text.txt").write_text(
        "".join(f"{Path(p).name}\tp h o n e s\t1 1\ttext\n" for p in pitch), encoding="utf-8")
    gpt = gsv_fixtures / "gpt_tiny.ckpt"
    shutil.copyfile(gpt, gpt_dir / "en_flite_awb-e8.ckpt")
    shutil.copyfile(gpt, gpt_dir / "en_flite_awb-e4.ckpt")
    shutil.copyfile(gsv_fixtures / "sovits_v2_tiny.pth", sov_dir / "en_flite_awb_e8_s400.pth")
    _perturbed_gpt(gpt, gpt_dir / "awbpitch-e15.ckpt", seed=1)
    _perturbed_sovits(gsv_fixtures / "sovits_v2ProPlus_tiny.pth", sov_dir / "awbpitch_e8_s400.pth", "v2Pro", seed=2)
    _perturbed_gpt(gpt, gpt_dir / "cs_festival_dita-e10.ckpt", seed=3)
    shutil.copyfile(gsv_fixtures / "sovits_v2ProPlus_tiny.pth", sov_dir / "cs_festival_dita_e8_s400.pth")
    shutil.copyfile(gpt, gpt_dir / "orphan-e2.ckpt")
    return root


EVAL_SPEAKERS = ["en_flite_awb", "en_flite_awb_m125", "cs_festival_dita", "cs_festival_dita_p125", "en_piper_joe",
                 "en_piper_joe_p100"]


@pytest.fixture(scope="session")
def analysed_library_template(tmp_path_factory, corpus) -> Path:
    """A library with 6 corpus voices (3 families × base + near-duplicate), analysed and clustered."""
    from engine.api import Engine

    root = tmp_path_factory.mktemp("evlib")
    lst = voice_list(root / "voices.list", corpus, EVAL_SPEAKERS)
    with Engine(library=root / "lib") as eng:
        eng.importer.import_paths([lst])
        eng.analysis.analyze()
        eng.analysis.cluster()
    return root / "lib"


@pytest.fixture
def analysed_engine(analysed_library_template, tmp_path):
    yield from engine_on_copy(analysed_library_template, tmp_path)


def tiny_hubert():
    """A tiny random HuBERT (768-d output like chinese-hubert-base; no download), deterministic."""
    import torch
    from transformers import HubertConfig, HubertModel

    torch.manual_seed(0)
    cfg = HubertConfig(hidden_size=768, num_hidden_layers=1, num_attention_heads=4, intermediate_size=64,
                       conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16)
    return HubertModel(cfg).eval()


@pytest.fixture(scope="session")
def train_library_template(tmp_path_factory, corpus, gsv_fixtures) -> Path:
    """Two English voices (2 clips each), analysed and clustered; the tiny fixture pairs stored as bases 'tiny'
    (v2ProPlus) and 'tiny-v2' (v2: SoVITS training needs no SV vectors, which the tiny SV net cannot give at
    the 20480 width the tiny Pro SoVITS expects)."""
    from engine.api import Engine
    from engine.backends.gptsovits.convert import import_base

    root = tmp_path_factory.mktemp("trainlib")
    lst = voice_list(root / "voices.list", corpus, ["en_flite_awb", "en_flite_awb_m125"], 2)
    with Engine(library=root / "lib") as eng:
        eng.importer.import_paths([lst])
        import_base(eng.bases, "tiny", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
        import_base(eng.bases, "tiny-v2", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
        eng.analysis.analyze()
        eng.analysis.cluster()
    return root / "lib"


@pytest.fixture
def train_engine(train_library_template, tmp_path):
    yield from engine_on_copy(train_library_template, tmp_path)


@pytest.fixture(scope="session")
def train_dataset(train_library_template):
    """Features of the 4 clips (prepared once; the samples do not depend on the library copy)."""
    from engine.api import Engine
    from engine.backends.gptsovits.models import load_base
    from engine.consolidation.train.data import prepare

    with Engine(library=train_library_template) as eng:
        rec = eng.bases.get("tiny")
        _, sovits = load_base(eng.bases.manifest(rec), {g: eng.bases.weights_path(rec, g) for g in ("gpt", "sovits")})
        return prepare(eng, eng.library.voices(), hubert=tiny_hubert(), sovits=sovits)


@pytest.fixture(scope="session")
def tiny_models():
    return {"hubert": tiny_hubert()}


@pytest.fixture(scope="session")
def fake_gsv_assets(tmp_path_factory) -> Path:
    """A fake GPT-SoVITS ``pretrained_models`` folder (tiny random HuBERT / BERT / 20480-d SV), made by the synthesis
    tests' builder so both areas exercise the same stand-ins."""
    import importlib.util

    builder = Path(__file__).resolve().parents[1] / "synthesis" / "conftest.py"
    if not builder.is_file():
        pytest.skip("the synthesis tests' fake-asset builder is not in this checkout")
    spec = importlib.util.spec_from_file_location("timbrel_synthesis_conftest", builder)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_fake_pretrained(tmp_path_factory.mktemp("gsvassets") / "pretrained_models")
