"""Fast checks of the upstream rules the e2e fixtures reach only in part: split methods, prompt text, early-stop
trimming per decoder mode, the windowed-sinc resampler."""

from __future__ import annotations

import math

import pytest
import torch


def test_split_methods_follow_upstream_rules():
    from engine.backends.gptsovits.text.preprocess import pieces

    text = "第一句。第二句！第三句？第四句，还有。第五句。"
    # the first clause is shorter than 4 characters: upstream puts a "。" in front
    assert pieces(text, "zh", "cut0") == ["。" + text]
    # cut1: four split marks per piece
    assert pieces(text, "zh", "cut1") == ["。第一句。第二句！第三句？", "第四句，还有。第五句。"]
    # cut3: at 。 (marks dropped); pieces under 5 characters merge, so here one piece remains
    assert pieces(text, "zh", "cut3") == ["第一句第二句！第三句？第四句，还有第五句。"]
    # cut5: at every mark, pieces under 5 characters merged with the next
    assert pieces(text, "zh", "cut5") == ["第一句。第二句！", "第三句？第四句，", "还有。第五句。"]
    # cut4: at '.' that is not a decimal point; English pieces end with '.'
    assert pieces("It costs 3.5 dollars. Then we go", "en", "cut4") == ["It costs 3.5 dollars.", " Then we go."]
    # cut2: about 50 characters per piece, a short tail joins the previous one
    long = "这是一个比较长的句子，" * 8
    out = pieces(long, "zh", "cut2")
    assert "".join(out) == long and len(out) == 1
    longer = "这是一个比较长的句子，" * 12
    out = pieces(longer, "zh", "cut2")
    assert "".join(out) == longer and len(out) == 2 and all(len(p) > 50 for p in out)
    # runs of ASCII punctuation keep their first mark; full-width runs are left alone, as upstream
    assert pieces("你好!!!再见", "zh", "cut0") == ["。你好!再见。"]
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput):
        pieces("x", "en", "cut9")


def test_prompt_text_rule():
    from engine.backends.gptsovits.text.preprocess import prompt_text

    assert prompt_text("河上这座老桥\n", "zh") == "河上这座老桥。"
    assert prompt_text("Hello there", "en") == "Hello there."
    assert prompt_text("好了吗？", "zh") == "好了吗？"


def test_early_stop_trimming_per_decoder_mode():
    from engine.backends.gptsovits.t2s import trim_early_stop

    new = torch.arange(51)
    assert trim_early_stop(new, "early_stop", 50, parallel=True).tolist() == list(range(50))
    assert trim_early_stop(new, "early_stop", 50, parallel=False).tolist() == list(range(1, 51))
    assert trim_early_stop(new[:11], "eos", 50).tolist() == list(range(11))


def test_sinc_resampler_lengths_and_band():
    from engine.backends.gptsovits.features import resample_sinc

    t = torch.arange(32000, dtype=torch.float64) / 32000
    x = torch.sin(2 * math.pi * 440 * t).float()
    y = resample_sinc(x, 32000, 16000)
    assert y.shape[-1] == 16000
    ref = torch.sin(2 * math.pi * 440 * torch.arange(16000, dtype=torch.float64) / 16000).float()
    assert (y[200:-200] - ref[200:-200]).abs().max() < 2e-3  # pass band kept
    z = torch.sin(2 * math.pi * 12000 * t).float()  # above the 16 kHz Nyquist: removed
    assert resample_sinc(z, 32000, 16000)[200:-200].abs().max() < 0.01
    assert resample_sinc(x[None, :22050], 22050, 32000).shape == (1, math.ceil(22050 * 32000 / 22050))
    assert resample_sinc(x, 32000, 32000) is x
