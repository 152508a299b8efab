"""Fixtures for the synthesis tests: a fake GPT-SoVITS ``pretrained_models`` folder with tiny random models.

HuBERT: 768-wide (SoVITS needs 768-d features) but 1 layer, small convolutions. BERT: 1024-wide (the GPT's
``bert_proj`` reads 1024) with 3 layers and a small character vocabulary (unknown characters map to [UNK],
still one token per character). The SV net is the shared tiny ERes2NetV2 fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

VOCAB_CHARS = "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴"


def _make_hubert(folder: Path) -> None:
    import torch
    from transformers import HubertConfig, HubertModel

    torch.manual_seed(0)
    cfg = HubertConfig(
        hidden_size=768, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16,
    )
    model = HubertModel(cfg).eval()
    model.save_pretrained(str(folder))
    (folder / "preprocessor_config.json").write_text('{"feature_extractor_type": "Wav2Vec2FeatureExtractor"}')


def _make_bert(folder: Path) -> None:
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ",", ".", "!", "?", "…", "-"] + list(dict.fromkeys(VOCAB_CHARS))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(str(folder))
    # transformers 5 writes a tokenizer.json holding only the special tokens (every character would be [UNK]
    # and BERT features would depend on the text length alone); without it the WordPiece tokenizer is built
    # from vocab.txt, as in the e2e fixtures' pretrained/ folder
    (folder / "tokenizer.json").unlink(missing_ok=True)
    torch.manual_seed(1)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=1024, num_hidden_layers=3, num_attention_heads=4,
                     intermediate_size=64, max_position_embeddings=256)
    BertForMaskedLM(cfg).eval().save_pretrained(str(folder))


def _make_sv(path: Path) -> None:
    """A random ERes2NetV2 whose sv vectors are 20480-d like the real one (SoVITS Pro's ``sv_emb`` reads 20480):
    m_channels 8 × 8 × expansion 32 × 10 frequency bins; one block per stage keeps it small (fp16 file, ~50 MB)."""
    import torch

    from engine.backends.gptsovits.eres2net import ERes2NetConfig, ERes2NetV2

    torch.manual_seed(2)
    net = ERes2NetV2(ERes2NetConfig(num_blocks=[1, 1, 1, 1], m_channels=8, expansion=32, base_width=16, scale=2,
                                    embedding_size=8)).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.half().state_dict(), path)


def build_fake_pretrained(root: Path, fixtures: Path | None = None, *, sv: bool = True) -> Path:
    """``fixtures`` given: the tiny shared ERes2NetV2 fixture (1280-d vectors) is used instead of a 20480-d net."""
    from engine.torchutil import configure_torch

    configure_torch()  # single-threaded in tests (TIMBREL_TORCH_THREADS=1)
    root.mkdir(parents=True, exist_ok=True)
    _make_hubert(root / "chinese-hubert-base")
    _make_bert(root / "chinese-roberta-wwm-ext-large")
    if sv and fixtures is not None:
        (root / "sv").mkdir(exist_ok=True)
        shutil.copyfile(fixtures / "eres2netv2_tiny.ckpt", root / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt")
    elif sv:
        _make_sv(root / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt")
    return root


@pytest.fixture(scope="session")
def fake_pretrained(tmp_path_factory) -> Path:
    """HuBERT + BERT + a 20480-d speaker-verification net (works with the tiny v2 and v2ProPlus bases)."""
    return build_fake_pretrained(tmp_path_factory.mktemp("gsv") / "pretrained_models")


EMOTION_OF_STYLE = {"neutral": "neutral", "excited": "happy", "sad": "sad"}


def add_corpus_voice(library, corpus: Path, speaker: str, name: str | None = None):
    """Import one corpus speaker's clips (transcript, language, emotion from its style) into ``library``."""
    import json

    truth = json.loads((corpus / "truth.json").read_text())["speakers"][speaker]
    with library.edit_new(name or speaker, language=truth["lang"]) as ed:
        for c in truth["clips"]:
            sha = library.blobs.put_file(corpus / c["file"])
            ed.add_clip(sha, duration=c["duration"], sample_rate=truth["sample_rate"], transcript=c["text"],
                        language=c["lang"], emotion=EMOTION_OF_STYLE[c["style"]], source_path=c["file"])
    return library.voice(name or speaker)


@pytest.fixture
def add_voice(corpus):
    """``add_voice(library, speaker, name)``: import a corpus speaker as a voice (see :func:`add_corpus_voice`)."""
    return lambda library, speaker, name=None: add_corpus_voice(library, corpus, speaker, name)
