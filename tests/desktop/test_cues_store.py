"""engine.cues: cues stored in the catalog, validated, following their voice."""

from __future__ import annotations

import pytest

from engine.errors import AlreadyExists, InvalidInput, NotFound
from engine.events import EventRecorder


@pytest.fixture
def eng(engine):
    engine.library.create_voice("Alice")
    engine.library.create_voice("Bob")
    return engine


def test_add_list_get_update_remove(eng):
    rec = EventRecorder(eng.events, "cues.*")
    a = eng.cues.add("hello", "Alice", "  Hello chat!  ", emotion="开心", hotkey="Ctrl+Alt+H", shortcut="Ctrl+1")
    b = eng.cues.add("bye", "Bob", "Bye!")
    assert a.text == "Hello chat!" and a.emotion == "happy" and a.voice == "Alice"
    assert [c.name for c in eng.cues.list()] == ["hello", "bye"]  # insertion order (position)
    assert eng.cues.get("HELLO").id == a.id
    assert eng.cues.get(str(b.id)).name == "bye"
    c = eng.cues.update("bye", voice="Alice", emotion="sad", text="See you", hotkey="F9")
    assert (c.voice, c.emotion, c.text, c.hotkey) == ("Alice", "sad", "See you", "F9")
    eng.cues.remove("hello")
    assert [c.name for c in eng.cues.list()] == ["bye"]
    with pytest.raises(NotFound):
        eng.cues.get("hello")
    assert [e.data["action"] for e in rec.of("cues.changed")] == ["add", "add", "update", "remove"]


def test_validation(eng):
    with pytest.raises(InvalidInput):
        eng.cues.add("", "Alice", "x")
    with pytest.raises(InvalidInput):
        eng.cues.add("x", "Alice", "   ")
    with pytest.raises(InvalidInput):
        eng.cues.add("x", "Alice", "hi", emotion="grumpy")
    with pytest.raises(InvalidInput):
        eng.cues.add("x", "Alice", "hi", hotkey="Ctrl+")
    with pytest.raises(NotFound):
        eng.cues.add("x", "Nobody", "hi")
    eng.cues.add("x", "Alice", "hi", hotkey="Ctrl+Alt+H")
    with pytest.raises(AlreadyExists):
        eng.cues.add("X", "Bob", "hi")
    with pytest.raises(AlreadyExists, match="already plays the cue 'x'"):
        eng.cues.add("y", "Bob", "hi", hotkey="ctrl+alt+h")
    with pytest.raises(InvalidInput):
        eng.cues.update("x", colour="red")
    assert [c.name for c in eng.cues.list()] == ["x"]


def test_cues_follow_voice_rename_and_delete(eng):
    eng.cues.add("hello", "Alice", "Hello")
    with eng.library.edit("Alice") as ed:
        ed.rename("Alicia")
    assert eng.cues.get("hello").voice == "Alicia"
    eng.library.delete_voice("Alicia")
    assert eng.cues.list() == []


def test_cues_persist_across_engines(tmp_path):
    from engine.api import Engine

    with Engine(library=tmp_path / "lib") as e1:
        e1.library.create_voice("Alice")
        e1.cues.add("hello", "Alice", "Hello", emotion="neutral")
    with Engine(library=tmp_path / "lib") as e2:
        (cue,) = e2.cues.list()
        assert (cue.name, cue.voice, cue.emotion) == ("hello", "Alice", "neutral")
