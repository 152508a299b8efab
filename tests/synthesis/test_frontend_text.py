"""Text frontend: known phone sequences checked against the upstream v2 symbol table."""

from __future__ import annotations

import hashlib

import pytest
import torch

from engine.backends.gptsovits.text import (
    SYMBOL_TO_ID,
    SYMBOLS_V2,
    bert_features,
    phones_to_ids,
    split_sentences,
    text_to_phones,
)
from engine.backends.gptsovits.text import en_g2p, en_normalize, zh_normalize, zh_numbers
from engine.backends.gptsovits.text.segment import split_languages
from engine.backends.gptsovits.text.tables import PINYIN_TO_PHONES
from engine.backends.gptsovits.text.zh_g2p import syllable_phones
from engine.errors import InvalidInput


def zh(text: str) -> str:
    return " ".join(text_to_phones(text, "zh").phones)


def en(text: str) -> str:
    return " ".join(text_to_phones(text, "en").phones)


# ------------------------------------------------------------------------------------------ symbol table
def test_symbol_table_matches_upstream_v2():
    assert len(SYMBOLS_V2) == 732
    # sha256 of upstream symbols2.symbols ("\n"-joined), evaluated from RVC-Boss/GPT-SoVITS@48b1a01
    assert hashlib.sha256("\n".join(SYMBOLS_V2).encode()).hexdigest() == (
        "0771f6cd6f6201e8c2b0de921dc69cc04caf3f346c599d4a41413967d5674da7"
    )
    # construction: sorted base set, then [ ], then sorted Korean, then sorted Cantonese
    assert list(SYMBOLS_V2[:322]) == sorted(SYMBOLS_V2[:322])
    assert SYMBOLS_V2[322:324] == ("[", "]")
    assert all(s.startswith("Y") for s in SYMBOLS_V2[353:])
    ids = {"_": 95, "AA": 5, "a1": 97, "SP": 77, "UNK": 86, "AH0": 12, "EE": 33, "er4": 153, "ㄱ": 324, "Ya": 353}
    assert {k: SYMBOL_TO_ID[k] for k in ids} == ids


def test_pinyin_table_spot_checks():
    assert len(PINYIN_TO_PHONES) == 429
    assert PINYIN_TO_PHONES["a"] == ("AA", "a")
    assert PINYIN_TO_PHONES["zhi"] == ("zh", "ir")
    assert PINYIN_TO_PHONES["zi"] == ("z", "i0")
    assert PINYIN_TO_PHONES["yu"] == ("y", "v")
    assert PINYIN_TO_PHONES["er"] == ("EE", "er")
    assert syllable_phones("g", "uei4") == ["g", "ui4"]
    assert syllable_phones("", "iou3") == ["y", "ou3"]  # 有: iou → you
    assert syllable_phones("", "v3") == ["y", "v3"]


# ------------------------------------------------------------------------------------------ Chinese
def test_chinese_basic_and_ids():
    seq = text_to_phones("你好，世界！", "zh")
    assert seq.phones == ["n", "i2", "h", "ao3", ",", "sh", "ir4", "j", "ie4", "!"]  # 你好: 3-3 sandhi
    assert seq.ids == [SYMBOL_TO_ID[p] for p in seq.phones]
    assert seq.segments[0].word2ph == [2, 2, 1, 2, 2, 1]


def test_chinese_polyphones_from_word_context():
    assert zh("我们去银行找行长。") == "w o3 m en5 q v4 y in2 h ang2 zh ao3 h ang2 zh ang3 ."
    assert zh("他长大了。").split()[:4] == ["t", "a1", "zh", "ang3"]
    assert zh("音乐让人快乐。") == "y in1 y ve4 r ang4 r en2 k uai4 l e4 ."


def test_chinese_tone_sandhi():
    # 一 yi4 before non-4th, yi2 before 4th, yi5 in V一V; 不 bu2 before 4th
    assert zh("一天一段看一看不怕") == "y i4 t ian1 y i2 d uan4 k an4 y i5 k an4 b u2 p a4"
    # third-tone: 展览馆 → 2 2 3
    assert zh("展览馆") == "zh an2 l an2 g uan3"
    # neutral tone on particles and reduplication
    assert zh("妈妈的书") == "m a1 m a5 d e5 sh u1"
    assert zh("第一名").split()[:4] == ["d", "i4", "y", "i1"]


def test_chinese_numbers_dates_units():
    assert zh_numbers.cardinal(10) == "十"
    assert zh_numbers.cardinal(1024) == "一千零二十四"
    assert zh_numbers.cardinal(100200) == "十万零二百"
    assert zh_numbers.cardinal(20000001) == "两千万零一".replace("两", "二")
    assert zh_numbers.decimal("-3.14") == "负三点一四"
    assert zh_normalize.normalize("2024年3月5日14:30") == "二零二四年三月五日十四点半"
    assert zh_normalize.normalize("涨了50%，气温-3.5℃") == "涨了百分之五十,气温零下三点五度"
    assert zh_normalize.normalize("3/4的人跑了5km") == "四分之三的人跑了五千米"
    assert zh_normalize.normalize("电话13812345678") == "电话幺三八幺二三四五六七八"
    assert zh_normalize.normalize("共１０２４元……") == "共一千零二十四元…"
    # 一 inside a number word keeps tone 1 (upstream rule)
    assert zh("共1024元") == "g ong4 y i1 q ian1 l ing2 EE er4 sh ir2 s i04 y van2"


def test_chinese_word2ph_alignment_holds_for_mixed_punctuation():
    seq = text_to_phones("嗯，好吧……真的？！", "zh")
    s = seq.segments[0]
    assert len(s.word2ph) == len(s.text)
    assert sum(s.word2ph) == len(s.phones)
    assert all(p in SYMBOL_TO_ID for p in seq.phones)


# ------------------------------------------------------------------------------------------ English
def test_english_dictionary_words():
    assert en("Hello, world!") == "HH AH0 L OW1 , W ER1 L D !"


def test_english_numbers_and_abbreviations():
    # GPT-SoVITS v2's rules: money with "and", inflect's hyphens and commas, years in pairs, "Dr." left to the
    # dictionary, a clock time gains "a.m."/"p.m."
    assert en_normalize.normalize("Dr. Smith paid $3.50 on May 1st, 1990.") == (
        "Dr. Smith paid three dollars and fifty cents on May first, nineteen ninety."
    )
    assert en_normalize.normalize("50% of 1,234 e.g. 3.14") == (
        "fifty percent of twelve thirty-four for example three point one four"  # 1001-2999 are read in pairs
    )
    assert en_normalize.normalize("Meet at 13:05, 3/4 of 21st") == "Meet at one five p.m. three fourths of twenty-first"
    assert en_normalize.normalize("£1.01 or 2009 or 1905") == "one pound and one penny or two thousand nine or nineteen oh five"
    assert en_normalize.normalize("NASA") == "N A S A"


def test_english_number_words_equal_inflect():
    """Our number words against the ``inflect`` package that upstream's normaliser calls."""
    import random

    inflect = pytest.importorskip("inflect")
    from engine.backends.gptsovits.text.en_numbers import ordinal_suffix, ordinal_word, words

    eng = inflect.engine()
    rng = random.Random(7)
    numbers = list(range(0, 130)) + list(range(990, 1130)) + list(range(1890, 2120)) + list(range(2990, 3010))
    numbers += [rng.randrange(10 ** rng.randrange(3, 16)) for _ in range(200)]
    numbers += [10 ** k + d for k in range(3, 16) for d in (0, 1, 10, 100)]
    for n in numbers:
        assert words(n) == eng.number_to_words(n), n
        assert words(n, andword="") == eng.number_to_words(n, andword=""), n
        assert words(n, andword="", zero="oh", group=2) == eng.number_to_words(n, andword="", zero="oh", group=2), n
        assert ordinal_suffix(n) == eng.ordinal(n), n
        assert words(ordinal_suffix(n)) == eng.number_to_words(ordinal_suffix(n)), n
        assert ordinal_word(eng.number_to_words(n)) == eng.ordinal(eng.number_to_words(n)), n


def test_english_unknown_words_fall_back():
    # acronyms not in the dictionary are spelled; AI is removed from the dictionary as upstream does
    assert en_g2p.word_phones("GPU") == ("JH", "IY1", "P", "IY1", "Y", "UW1")
    assert en_g2p.word_phones("AI") == ("EY1", "AY1")
    # compound of dictionary words
    assert en_g2p.word_phones("snowmanfish") == en_g2p.word_phones("snowman") + en_g2p.word_phones("fish")
    # possessive after a voiceless final → S
    assert en_g2p.word_phones("blorptastic's")[-1] == "S"
    # the learned fallback (g2p_en's network run with numpy) when installed
    from engine.backends.gptsovits.text import en_neural

    if en_neural.available():
        assert en_g2p.word_phones("blorptastic") == ("B", "L", "AO2", "R", "P", "T", "AE1", "S", "T", "IH0", "K")
        assert en_neural.predict("timbrel") == ["T", "IH1", "M", "B", "R", "AH0", "L"]
    # letter-to-sound rules: deterministic, only v2 symbols, one primary stress
    phones = en_g2p.rule_g2p("blorptastic")
    assert phones == en_g2p.rule_g2p("blorptastic")
    assert phones[:3] == ["B", "L", "AO1"]
    assert all(p in SYMBOL_TO_ID for p in phones)
    assert sum(p.endswith("1") for p in phones) == 1


def test_chinese_special_pause_symbols():
    # upstream: "￥" is read as a comma and every comma of that run becomes the SP2 pause ("^": SP3)
    phones = text_to_phones("只要￥199，好吗？", "zh").phones
    assert phones.count("SP2") == 2 and "," not in phones
    assert "SP3" in text_to_phones("你好^再见", "zh").phones


def test_english_short_text_gets_leading_pause():
    assert text_to_phones("Hi", "en").phones[0] in {",", "."}


# ------------------------------------------------------------------------------------------ Japanese
def test_japanese_openjtalk_if_available():
    ja = pytest.importorskip("engine.backends.gptsovits.text.ja_g2p")
    if not ja.available():
        pytest.skip("pyopenjtalk-plus is not installed")
    seq = text_to_phones("こんにちは、世界！", "ja")
    assert seq.phones == ["k", "o", "[", "N", "n", "i", "ch", "i", "w", "a", ",", "s", "e", "]", "k", "a", "i", "!"]
    assert "UNK" not in seq.phones


# ------------------------------------------------------------------------------------------ mixed, splitting
def test_mixed_language_split_by_script():
    runs = split_languages("我今天用了GPU，很好。")
    assert [(r.language) for r in runs] == ["zh", "en", "zh"]
    seq = text_to_phones("我今天用了GPU，很好。", "auto")
    assert [s.language for s in seq.segments] == ["zh", "en", "zh"]
    assert seq.phones[:4] == ["w", "o3", "j", "in1"]
    assert "JH" in seq.phones and "P" in seq.phones
    assert seq.ids == phones_to_ids(seq.phones)


def test_kana_makes_han_japanese():
    runs = split_languages("今日はGPUで学習します。")
    assert [r.language for r in runs] == ["ja", "en", "ja"]


def test_unknown_language_is_a_plain_error():
    with pytest.raises(InvalidInput) as err:
        text_to_phones("안녕", "ko")
    assert err.value.hint


def test_sentence_split_for_streaming():
    text = "第一句话在这里。第二句话也很长！好。This is English. And a second one?"
    parts = split_sentences(text)
    # a piece shorter than 5 characters ("好。") is merged into the next one
    assert parts == ["第一句话在这里。", "第二句话也很长！", "好。This is English.", "And a second one?"]
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
    long = "，".join(["很长的一段话没有句号"] * 20)
    pieces = split_sentences(long, max_chars=40)
    assert len(pieces) > 1 and all(len(p) <= 40 for p in pieces)


def test_bert_zeros_for_non_chinese():
    seq = text_to_phones("Hello there, friend.", "en")
    feats = bert_features(seq, None)
    assert tuple(feats.shape) == (1024, len(seq.phones))
    assert float(feats.abs().sum()) == 0.0


def test_bert_features_repeat_per_phone(fake_pretrained):
    from engine.backends.gptsovits.text.bert import BertFeaturizer

    feat = BertFeaturizer(fake_pretrained / "chinese-roberta-wwm-ext-large")
    seq = text_to_phones("你好，我们去公园。Hi there.", "auto")
    bert = bert_features(seq, feat)
    assert tuple(bert.shape) == (1024, len(seq.phones))
    zh_seg = seq.segments[0]
    # 你 has two phones: both columns carry the same character vector; punctuation has one phone
    assert zh_seg.word2ph[:3] == [2, 2, 1]
    assert torch.equal(bert[:, 0], bert[:, 1]) and not torch.equal(bert[:, 1], bert[:, 2])
    assert float(bert[:, 0].abs().sum()) > 0
    n_zh = len(zh_seg.phones)
    assert float(bert[:, n_zh:].abs().sum()) == 0.0  # English run: zeros


def test_bert_folder_missing_is_plain_error(tmp_path):
    from engine.backends.gptsovits.text.bert import BertFeaturizer
    from engine.errors import MissingAsset

    with pytest.raises(MissingAsset) as err:
        BertFeaturizer(tmp_path / "nothing")
    assert "assets link" in err.value.hint


def test_chinese_matches_upstream_reference_outputs():
    """43 sentences (polyphones, sandhi, erhua, numbers, dates, units) against upstream's own output."""
    import json
    from pathlib import Path

    from engine.backends.gptsovits.text import zh_g2p

    data = json.loads((Path(__file__).parent / "data" / "zh_upstream_parity.json").read_text("utf-8"))
    assert len(data["cases"]) == 43
    for case in data["cases"]:
        norm = zh_normalize.normalize(case["text"])
        assert norm == case["norm"], case["text"]
        phones, word2ph = zh_g2p.g2p(norm)
        assert phones == case["phones"], case["text"]
        assert word2ph == case["word2ph"], case["text"]


def test_japanese_matches_upstream_reference_outputs():
    import importlib.metadata
    import json
    from pathlib import Path

    ja = pytest.importorskip("engine.backends.gptsovits.text.ja_g2p")
    if not ja.available():
        pytest.skip("pyopenjtalk-plus is not installed")
    data = json.loads((Path(__file__).parent / "data" / "ja_upstream_parity.json").read_text("utf-8"))
    if importlib.metadata.version("pyopenjtalk-plus") != data["pyopenjtalk_plus"]:
        pytest.skip("the reference was made with another OpenJTalk dictionary version")
    for case in data["cases"]:
        assert text_to_phones(case["text"], "ja").phones == case["phones"], case["text"]


def test_edge_inputs_never_crash():
    # punctuation only, empty, digits only, other scripts, Czech with diacritics read by script
    for text, lang in [("……", "zh"), ("", "auto"), ("123", "auto"), ("123", "zh"), ("안녕하세요 hello", "auto"),
                       ("Dobrý den, jak se máte?", "auto"), ("!!!", "en")]:
        seq = text_to_phones(text, lang)
        assert seq.phones and all(p in SYMBOL_TO_ID for p in seq.phones), (text, seq.phones)
    assert "y ao1" in " ".join(text_to_phones("123", "zh").phones)  # 幺二三: a bare 3-digit number, as upstream
    assert "y i4" in " ".join(text_to_phones("123个", "zh").phones)  # 一百二十三个: a quantity
    # auto: a text of digits alone is a Chinese run in upstream's LangSegmenter (幺二三); next to English, English
    assert "y ao1" in " ".join(text_to_phones("123", "auto").phones)
    assert "W AH1 N" in " ".join(text_to_phones("Room 123", "auto").phones)  # one hundred twenty three


def test_pipeline_language_fallback():
    from engine.backends.gptsovits.pipeline import _lenient_language

    assert _lenient_language("cs") == "auto" and _lenient_language("zh") == "zh" and _lenient_language(None) == "auto"
