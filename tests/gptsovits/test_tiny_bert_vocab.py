"""The tiny BERT the test helpers build reads real characters (it once mapped every character to [UNK])."""

import torch


def test_tiny_bert_tells_characters_apart(tmp_path):
    from engine.backends.gptsovits.text.bert import BertFeaturizer
    from tests.synthesis.conftest import _make_bert

    _make_bert(tmp_path / "bert")
    bert = BertFeaturizer(tmp_path / "bert")
    a = bert.features("我们出发", [2, 2, 2, 2])
    b = bert.features("你们回家", [2, 2, 2, 2])  # same length, other characters (all in the helper's vocabulary)
    assert a.shape == b.shape == (1024, 8)
    assert not torch.allclose(a, b)
    _, tok = bert._load()
    assert tok.unk_token_id not in tok("我们出发")["input_ids"]
