"""One sentence splitter for the preview and tone backends (engine/backends/sentences.py)."""

from __future__ import annotations

from engine.backends.sentences import split_sentences


def test_latin_sentences_end_at_a_mark_and_a_space():
    assert split_sentences("One. Two!  Three?\nFour") == ["One.", "Two!", "Three?", "Four"]
    assert split_sentences("Pi is 3.14; e is 2.72. Wait... what?") == ["Pi is 3.14;", "e is 2.72.", "Wait...", "what?"]
    assert split_sentences("e.g.this stays whole") == ["e.g.this stays whole"]


def test_cjk_sentences_end_at_the_mark_and_keep_their_closers():
    text = "你好。我很好！真的吗？！“是的。”好"
    assert split_sentences(text) == ["你好。", "我很好！", "真的吗？！", "“是的。”", "好"]
    assert "".join(split_sentences(text)) == text


def test_pieces_without_words_are_dropped_and_empty_text_has_none():
    assert split_sentences("—— ... !!") == []
    assert split_sentences("   ") == [] and split_sentences("") == []
    assert split_sentences("Hi. ... Bye.") == ["Hi.", "Bye."]


def test_long_sentences_are_cut_at_a_comma_or_space():
    long = "word " * 100
    parts = split_sentences(long, max_chars=50)
    assert all(len(p) <= 50 for p in parts) and " ".join(parts).split() == long.split()
    cjk = "，".join(["很长的一段话没有句号"] * 20)
    parts = split_sentences(cjk, max_chars=40)
    assert len(parts) > 1 and all(len(p) <= 40 for p in parts) and "".join(parts) == cjk
    hard = "x" * 95
    assert split_sentences(hard, max_chars=40) == ["x" * 40, "x" * 40, "x" * 15]


def test_the_preview_and_tone_backends_use_it():
    from engine.backends.preview import backend as preview
    from engine.backends.tone import backend as tone

    assert preview.split_sentences is split_sentences
    assert tone.split_sentences is split_sentences
