"""Optional G2PW: a fake G2PW model folder (tiny ONNX graph) drives the Chinese readings when present."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

POLY = [("长", "ㄓㄤ3"), ("长", "ㄔㄤ2"), ("行", "ㄏㄤ2"), ("行", "ㄒㄧㄥ2")]
# the fake network's preference per label (only a character's own labels are allowed by phoneme_mask)
PREFERENCE = {"ㄓㄤ3": 0.1, "ㄔㄤ2": 0.9, "ㄏㄤ2": 0.2, "ㄒㄧㄥ2": 0.8}


def make_g2pw(folder):
    from onnx import TensorProto, helper

    folder.mkdir(parents=True, exist_ok=True)
    labels = sorted({p for _, p in POLY})
    (folder / "POLYPHONIC_CHARS.txt").write_text("\n".join(f"{c}\t{p}" for c, p in POLY), encoding="utf-8")
    (folder / "MONOPHONIC_CHARS.txt").write_text("好\tㄏㄠ3\n", encoding="utf-8")
    (folder / "bopomofo_to_pinyin_wo_tune_dict.json").write_text(json.dumps(
        {"ㄓㄤ": "zhang", "ㄔㄤ": "chang", "ㄏㄤ": "hang", "ㄒㄧㄥ": "xing", "ㄏㄠ": "hao"}, ensure_ascii=False), encoding="utf-8")
    (folder / "config.py").write_text("use_mask = True\nuse_char_phoneme = False\nimport os  # never executed\n")
    k = len(labels)
    weights = helper.make_tensor("w", TensorProto.FLOAT, [k], [PREFERENCE[lab] for lab in labels])
    ints = [helper.make_tensor_value_info(n, TensorProto.INT64, ["N", "L"])
            for n in ("input_ids", "token_type_ids", "attention_mask")]
    graph = helper.make_graph(
        [helper.make_node("Mul", ["phoneme_mask", "w"], ["probs"])], "fake_g2pw",
        ints + [helper.make_tensor_value_info("phoneme_mask", TensorProto.FLOAT, ["N", k]),
                helper.make_tensor_value_info("char_ids", TensorProto.INT64, ["N"]),
                helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["N"])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", k])], [weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(folder / "g2pW.onnx"))
    return folder


def test_g2pw_predicts_polyphones_and_feeds_the_frontend(fake_pretrained, tmp_path):
    from engine.backends.gptsovits.text import text_to_phones
    from engine.backends.gptsovits.text.g2pw import G2PW

    g2pw = G2PW(make_g2pw(tmp_path / "G2PWModel"), fake_pretrained / "chinese-roberta-wwm-ext-large")
    # as upstream, characters are looked up in Traditional form (OpenCC s2tw): 长 becomes 長, which this model
    # does not list, so pypinyin reads it (zhang3 here); 行 is the same in both scripts and the model decides
    assert g2pw("很长,好.") == ["hen3", "zhang3", ",", "hao3", "."]
    assert "zh ang3" in " ".join(text_to_phones("头发很长。", "zh").phones)
    assert "zh ang3" in " ".join(text_to_phones("头发很长。", "zh", zh_predictor=g2pw).phones)
    # without G2PW pypinyin reads 银行 as hang2; the (fake) model says xing2 ...
    assert text_to_phones("银行", "zh", zh_predictor=g2pw).phones[-2:] == ["x", "ing2"]
    # ... and upstream's phrase corrections (polyphonic*.rep, from the user's installation) put hang2 back
    corrected = G2PW(tmp_path / "G2PWModel", fake_pretrained / "chinese-roberta-wwm-ext-large",
                     corrections={"银行": ["yin2", "hang2"]})
    assert text_to_phones("这家银行。", "zh", zh_predictor=corrected).phones[-3:-1] == ["h", "ang2"]
    # the model's inputs: one query per polyphonic character, mask restricted to that character's labels
    inputs = g2pw._inputs("银行很长", [1, 3])
    assert inputs["input_ids"].shape[0] == 2 and inputs["position_ids"].tolist() == [2, 4]
    lab = g2pw.labels
    assert np.flatnonzero(inputs["phoneme_mask"][0]).tolist() == sorted(lab.index(p) for c, p in POLY if c == "行")


def test_g2pw_reads_traditional_forms_and_rep_tables(fake_pretrained, tmp_path):
    from engine.backends.gptsovits.text.g2pw import G2PW, find_corrections

    folder = make_g2pw(tmp_path / "G2PWModel")
    # a model that lists the Traditional form 長 predicts 长 (its preference: chang2)
    text = (folder / "POLYPHONIC_CHARS.txt").read_text("utf-8").replace("长", "長")
    (folder / "POLYPHONIC_CHARS.txt").write_text(text, encoding="utf-8")
    g2pw = G2PW(folder, fake_pretrained / "chinese-roberta-wwm-ext-large")
    assert g2pw("很长,好.")[1] == "chang2"
    # the .rep tables of a GPT-SoVITS folder: whole-word entries first, else per character; later file wins;
    # read as data (literals only)
    rep = tmp_path / "GPT-SoVITS" / "GPT_SoVITS" / "text" / "g2pw"
    rep.mkdir(parents=True)
    (rep / "polyphonic.rep").write_text("银行: ['yin2', 'xing2']\n长: ['chang2']\n", encoding="utf-8")
    (rep / "polyphonic-fix.rep").write_text("银行: ['yin2', 'hang2']\n坏: __import__('os')\n", encoding="utf-8")
    assert [p.name for p in find_corrections(tmp_path / "GPT-SoVITS")] == ["polyphonic.rep", "polyphonic-fix.rep"]
    fixed = G2PW(folder, fake_pretrained / "chinese-roberta-wwm-ext-large", corrections=tmp_path / "GPT-SoVITS")
    assert fixed.correct("银行", ["yin2", "xing2"]) == ["yin2", "hang2"]
    assert fixed.correct("很长", ["hen3", "zhang3"]) == ["hen3", "chang2"]
    assert "坏" not in fixed.corrections
    assert find_corrections(tmp_path / "nothing") == []
    # without upstream's character table OpenCC t2s converts back: 幺 (→ 么 by s2tw) stays 么 and is read "me",
    # as upstream's table does
    assert fixed.t2s_table is None and fixed("幺")[0] == "me5"
    table = tmp_path / "GPT-SoVITS" / "GPT_SoVITS" / "text" / "zh_normalization"
    table.mkdir(parents=True)
    (table / "char_convert.py").write_text('simplified_charcters = "着么"\ntraditional_characters = "著麼"\n'
                                           'import os  # never executed\n', encoding="utf-8")
    fixed = G2PW(folder, fake_pretrained / "chinese-roberta-wwm-ext-large", corrections=tmp_path / "GPT-SoVITS")
    assert fixed.t2s_table == {"著": "着", "麼": "么"}
    assert fixed("幺")[0] == "me5" and fixed("沿着")[1] == "zhe5"


def test_g2pw_incomplete_folder_is_plain_error(fake_pretrained, tmp_path):
    from engine.backends.gptsovits.text.g2pw import G2PW
    from engine.errors import MissingAsset

    (tmp_path / "G2PWModel").mkdir()
    with pytest.raises(MissingAsset) as err:
        G2PW(tmp_path / "G2PWModel", fake_pretrained / "chinese-roberta-wwm-ext-large")
    assert "g2pW.onnx" in str(err.value)


def test_backend_loads_g2pw_when_linked(fake_pretrained, gsv_fixtures, tmp_path):
    import shutil

    from engine.backends.gptsovits.backend import G2PW_MODEL, GptSovitsBackend
    from engine.backends.gptsovits.convert import convert_pair

    from engine.assets import SPECS, check

    root = tmp_path / "GPT_SoVITS" / "pretrained_models"
    shutil.copytree(fake_pretrained, root)
    make_g2pw(root / "G2PWModel")
    backend = GptSovitsBackend()
    backend.configure(assets_root=root)
    manifest = convert_pair(gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth").manifest
    assert G2PW_MODEL in [m.name for m in backend.shared_models(manifest)]
    loaded = backend.load_shared(G2PW_MODEL, "cpu")
    assert loaded["model"]("行")[0] == "xing2" and loaded["model"].corrections_source is None
    rep_spec = next(s for s in SPECS if s.name == "g2pw_rep")
    assert not check(root, rep_spec).present
    # the installation's correction tables (GPT_SoVITS/text/g2pw next to pretrained_models) are found and used
    rep = tmp_path / "GPT_SoVITS" / "text" / "g2pw"
    rep.mkdir(parents=True)
    (rep / "polyphonic.rep").write_text("", encoding="utf-8")
    (rep / "polyphonic-fix.rep").write_text("银行: ['yin2', 'hang2']\n", encoding="utf-8")
    assert check(root, rep_spec).ok
    backend = GptSovitsBackend()
    backend.configure(assets_root=root)
    loaded = backend.load_shared(G2PW_MODEL, "cpu")
    assert loaded["model"].correct("银行", ["yin2", "xing2"]) == ["yin2", "hang2"]
