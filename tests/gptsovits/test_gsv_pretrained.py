"""Shared models load from local folders only; v1 files fall out of the same code."""

from __future__ import annotations

import io
from collections import OrderedDict

import pytest
import torch

from engine.errors import MissingAsset


@pytest.fixture
def tiny_hubert_dir(tmp_path):
    from transformers import HubertConfig, HubertModel

    cfg = HubertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=40,
                       conv_dim=(8, 8), conv_stride=(5, 2), conv_kernel=(10, 3), num_conv_pos_embeddings=4,
                       num_conv_pos_embedding_groups=2)
    torch.manual_seed(0)
    folder = tmp_path / "chinese-hubert-base"
    HubertModel(cfg).save_pretrained(folder)
    return folder


def test_hubert_from_local_folder(tiny_hubert_dir):
    from engine.backends.gptsovits.pretrained import PROMPT_PAD_SAMPLES, hubert_features, load_hubert, prompt_ssl

    model = load_hubert(tiny_hubert_dir)
    wav = torch.sin(torch.arange(3200) * 0.01)
    feats = hubert_features(model, wav)
    assert feats.shape[:2] == (1, 32) and feats.shape[2] == ((3200 - 10) // 5 + 1 - 3) // 2 + 1
    assert torch.isfinite(feats).all()
    padded = prompt_ssl(model, wav)
    n = 3200 + PROMPT_PAD_SAMPLES
    assert padded.shape[2] == ((n - 10) // 5 + 1 - 3) // 2 + 1


def test_bert_from_local_folder(tmp_path):
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    from engine.backends.gptsovits.pretrained import bert_hidden, load_bert

    folder = tmp_path / "chinese-roberta-wwm-ext-large"
    folder.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "你", "好", "世", "界"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    BertForMaskedLM(BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                               intermediate_size=20)).save_pretrained(folder)
    tok, model = load_bert(folder)
    h = bert_hidden(tok, model, "你好世界")
    assert h.shape == (4, 16) and h.dtype == torch.float32


def test_missing_assets_are_plain_errors(tmp_path):
    from engine.backends.gptsovits.pretrained import load_bert, load_hubert, load_sv

    with pytest.raises(MissingAsset):
        load_hubert(tmp_path / "nowhere")
    with pytest.raises(MissingAsset):
        load_bert(tmp_path / "nowhere")
    with pytest.raises(MissingAsset):
        load_sv(tmp_path / "sv.ckpt")


def test_sv_loader(gsv_fixtures):
    from engine.backends.gptsovits.pretrained import load_sv

    net = load_sv(gsv_fixtures / "eres2netv2_tiny.ckpt")
    assert net.config.forward3_dim == 1280 and not net.training


def test_v1_pair_converts_and_decodes(tmp_path):
    """A v1 pair (322 symbols, ref encoder on all 1025 bins, 512-phone GPT) is read, stored and run."""
    from engine.backends.gptsovits.convert import convert_pair
    from engine.backends.gptsovits.models import build_gpt, build_sovits, fill
    from engine.backends.gptsovits.sovits import SoVITSConfig
    from engine.backends.gptsovits.t2s import T2SConfig

    g = torch.Generator().manual_seed(0)
    scfg = SoVITSConfig(variant="v1", n_symbols=322, inter_channels=8, filter_channels=16, n_layers=2,
                        resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3, 5]], upsample_initial_channel=32)
    sov = {k: (torch.randn(t.shape, generator=g) * 0.05).half() for k, t in build_sovits("v1", scfg).state_dict().items()}
    model_cfg = {k: v for k, v in scfg.to_dict().items() if k not in ("variant", "n_symbols")}
    path = tmp_path / "v1.pth"
    torch.save(OrderedDict(weight=sov, config={"model": model_cfg}, info="1epoch"), path)
    gcfg = T2SConfig(phoneme_vocab_size=512, embedding_dim=16, hidden_dim=16, n_head=2, n_layer=1)
    gw = {"model." + k: (torch.randn(t.shape, generator=g) * 0.05).half() for k, t in build_gpt(gcfg).state_dict().items()}
    gpath = tmp_path / "v1.ckpt"
    torch.save(OrderedDict(weight=gw, config={"model": {"head": 2}, "data": {"max_sec": 30}}, info="GPT-e1"), gpath)

    conv = convert_pair(gpath, path)
    assert conv.variant == "v1" and conv.manifest["inference"]["phone_set"] == "v1"
    assert conv.manifest["inference"]["early_stop_num"] == 1500
    m = fill(build_sovits("v1", conv.manifest["architecture"]["sovits"]), {k: v.float() for k, v in conv.groups["sovits"].items()}, "assign")
    assert m.ref_enc.spectral[0].fc.weight.shape[1] == 1025
    with torch.no_grad():
        wav = m.decode(torch.randint(0, 1024, (1, 1, 5), generator=g), torch.randint(0, 322, (1, 7), generator=g),
                       refs=[torch.rand(1, 1025, 20, generator=g)], noise_scale=0.0)
    assert wav.shape == (1, 1, 10 * 640) and torch.isfinite(wav).all()

    v2 = tmp_path / "v2.ckpt"
    gw2 = dict(gw)
    gw2["model.ar_text_embedding.word_embeddings.weight"] = torch.zeros(732, 16, dtype=torch.float16)
    torch.save(OrderedDict(weight=gw2, config={"model": {"head": 2}}, info="x"), v2)
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput, match="same GPT-SoVITS version"):
        convert_pair(v2, path)
