"""Cues: saved requests ("say TEXT in VOICE with EMOTION") shown as a soundboard.

A cue can carry an in-app shortcut and a global hotkey (both stored in Qt's
portable key notation, e.g. ``Ctrl+Alt+H``; the desktop app binds them), and a playback
``mode``: ``overlap`` (mixed with whatever plays, the default) or ``interrupt`` (stops what
plays), as soundboards do. Modes are kept in ``cue_modes.json`` in the library folder (by cue id).
``timbrel trigger NAME`` asks a running app to play a cue. Cues live in the
library catalog (table ``cues``, schema ``0004_app.sql``) and follow their
voice: renaming the voice keeps the cue, deleting the voice deletes its cues.

    eng.cues.add("hello", voice="Alice", text="Hello chat!", emotion="happy", hotkey="Ctrl+Alt+H")
    cue = eng.cues.get("hello")
    eng.cues.hint_prefetch(cue)          # stage the voice's base before the hotkey is pressed
    handle = eng.cues.say(cue)           # → engine.speech handle
    handle, job = eng.cues.play(cue)     # speak it now (engine.speech.speak with the cue's mode)
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

from .errors import AlreadyExists, InvalidInput, NotFound, TimbrelError
from .library.catalog import utc_now
from .library.emotions import normalize_emotion

log = logging.getLogger(__name__)

MAX_NAME = 80
CUE_MODES = ("overlap", "interrupt")
MODES_FILE = "cue_modes.json"
MAX_TEXT = 2000
_KEY_RE = re.compile(r"^[A-Za-z0-9+\-_., /;'\[\]\\=`*]*$")


@dataclass(frozen=True)
class Cue:
    id: int
    name: str
    voice_id: int
    voice: str
    text: str
    emotion: str | None
    language: str | None
    shortcut: str | None
    hotkey: str | None
    position: int
    created_at: str
    updated_at: str
    mode: str = "overlap"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A cue needs a name.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Cue names are at most {MAX_NAME} characters.")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput("Cue names cannot contain control characters.")
    return name


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("A cue needs some text to say.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"A cue's text is at most {MAX_TEXT} characters.", hint="Split long text into several cues.")
    return text


def _clean_key(key: str | None, what: str) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    if not _KEY_RE.match(key) or (key.endswith("+") and not key.endswith("++")):
        raise InvalidInput(f"'{key}' is not a {what} Timbrel understands.", hint="Write keys like Ctrl+Alt+H or F9.")
    return key


class CueStore:
    """The cues of the engine's library (``engine.cues``)."""

    FIELDS = ("name", "voice", "text", "emotion", "language", "shortcut", "hotkey", "position", "mode")

    def __init__(self, engine) -> None:
        self.engine = engine

    # -- modes (a sidecar file: the catalog schema belongs to the library) ----------------------------
    def _modes_path(self):
        from pathlib import Path

        return Path(self._lib.root) / MODES_FILE

    def _modes(self) -> dict[str, str]:
        import json

        try:
            data = json.loads(self._modes_path().read_text(encoding="utf-8"))
            return {str(k): v for k, v in data.items() if v in CUE_MODES}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError) as exc:   # unreadable or not a JSON object: modes are lost
            log.warning("the cue modes in %s cannot be read (%s); every cue plays in its default mode",
                        self._modes_path(), exc)
            return {}

    def _set_mode(self, cue_id: int, mode: str | None) -> None:
        from .fsutil import atomic_write_json

        modes = self._modes()
        if mode is None:
            modes.pop(str(cue_id), None)
        else:
            modes[str(cue_id)] = mode
        atomic_write_json(self._modes_path(), modes)

    @staticmethod
    def _clean_mode(mode: str | None) -> str:
        mode = (mode or "overlap").strip().lower()
        if mode not in CUE_MODES:
            raise InvalidInput(f"'{mode}' is not a cue mode.", hint="Use overlap (mix with what plays) or interrupt.")
        return mode

    @property
    def _lib(self):
        return self.engine.library

    # -- reading -----------------------------------------------------------------------------------
    def _row_to_cue(self, r, modes: dict[str, str] | None = None) -> Cue:
        modes = self._modes() if modes is None else modes
        return Cue(
            id=r["id"], name=r["name"], voice_id=r["voice_id"], voice=r["voice_name"], text=r["text"],
            emotion=r["emotion"], language=r["language"], shortcut=r["shortcut"], hotkey=r["hotkey"],
            position=r["position"], created_at=r["created_at"], updated_at=r["updated_at"],
            mode=modes.get(str(r["id"]), "overlap"),
        )

    _SELECT = ("SELECT c.*, v.name AS voice_name FROM cues c JOIN voices v ON v.id = c.voice_id")

    def list(self) -> list[Cue]:
        rows = self._lib.catalog.query(self._SELECT + " ORDER BY c.position, c.name COLLATE NOCASE")
        modes = self._modes()
        return [self._row_to_cue(r, modes) for r in rows]

    def get(self, cue: str | int) -> Cue:
        if isinstance(cue, int):
            row = self._lib.catalog.query_one(self._SELECT + " WHERE c.id = ?", (cue,))
        else:
            row = self._lib.catalog.query_one(self._SELECT + " WHERE c.name = ?", (cue.strip(),))
            if row is None and cue.strip().isdigit():
                row = self._lib.catalog.query_one(self._SELECT + " WHERE c.id = ?", (int(cue.strip()),))
        if row is None:
            raise NotFound(f"There is no cue named '{cue}'.", hint="'timbrel cue list' lists the cues.")
        return self._row_to_cue(row)

    # -- writing -----------------------------------------------------------------------------------
    def add(self, name: str, voice: str | int, text: str, *, emotion: str | None = None, language: str | None = None,
            shortcut: str | None = None, hotkey: str | None = None, mode: str | None = None) -> Cue:
        name = _clean_name(name)
        mode = self._clean_mode(mode)
        text = _clean_text(text)
        emotion = normalize_emotion(emotion)
        shortcut = _clean_key(shortcut, "shortcut")
        hotkey = _clean_key(hotkey, "hotkey")
        with self._lib.catalog.transaction() as conn:
            voice_id = self._lib._voice_id(conn, voice)
            if conn.execute("SELECT 1 FROM cues WHERE name = ?", (name,)).fetchone():
                raise AlreadyExists(f"There is already a cue named '{name}'.", hint="Pick another name or edit that cue.")
            self._check_keys_free(conn, None, shortcut, hotkey)
            pos = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM cues").fetchone()[0]
            now = utc_now()
            cur = conn.execute(
                "INSERT INTO cues(name, voice_id, emotion, text, language, shortcut, hotkey, position, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (name, voice_id, emotion, text, language, shortcut, hotkey, pos, now, now),
            )
            cue_id = int(cur.lastrowid)
        if mode != "overlap":
            self._set_mode(cue_id, mode)
        self._lib.events.publish("cues.changed", cue=name, action="add")
        return self.get(cue_id)

    def update(self, cue: str | int, **fields: Any) -> Cue:
        """Change any of name, voice, text, emotion, language, shortcut, hotkey, position, mode."""
        bad = set(fields) - set(self.FIELDS)
        if bad:
            raise InvalidInput(f"Cannot change {', '.join(sorted(bad))} of a cue.")
        current = self.get(cue)
        values: dict[str, Any] = {}
        if "name" in fields:
            values["name"] = _clean_name(fields["name"])
        if "text" in fields:
            values["text"] = _clean_text(fields["text"])
        if "emotion" in fields:
            values["emotion"] = normalize_emotion(fields["emotion"])
        if "language" in fields:
            values["language"] = fields["language"] or None
        if "shortcut" in fields:
            values["shortcut"] = _clean_key(fields["shortcut"], "shortcut")
        if "hotkey" in fields:
            values["hotkey"] = _clean_key(fields["hotkey"], "hotkey")
        if "position" in fields:
            values["position"] = int(fields["position"])
        mode = self._clean_mode(fields["mode"]) if "mode" in fields else None
        with self._lib.catalog.transaction() as conn:
            if "voice" in fields:
                values["voice_id"] = self._lib._voice_id(conn, fields["voice"])
            if "name" in values and conn.execute(
                    "SELECT 1 FROM cues WHERE name = ? AND id != ?", (values["name"], current.id)).fetchone():
                raise AlreadyExists(f"There is already a cue named '{values['name']}'.")
            self._check_keys_free(conn, current.id, values.get("shortcut"), values.get("hotkey"))
            values["updated_at"] = utc_now()
            for key, value in values.items():
                conn.execute(f"UPDATE cues SET {key} = ? WHERE id = ?", (value, current.id))
        if mode is not None and mode != current.mode:
            self._set_mode(current.id, mode)
        self._lib.events.publish("cues.changed", cue=values.get("name", current.name), action="update")
        return self.get(current.id)

    def remove(self, cue: str | int) -> None:
        current = self.get(cue)
        with self._lib.catalog.transaction() as conn:
            conn.execute("DELETE FROM cues WHERE id = ?", (current.id,))
        if current.mode != "overlap":
            self._set_mode(current.id, None)
        self._lib.events.publish("cues.changed", cue=current.name, action="remove")

    @staticmethod
    def _check_keys_free(conn, own_id: int | None, shortcut: str | None, hotkey: str | None) -> None:
        for column, key, what in (("shortcut", shortcut, "shortcut"), ("hotkey", hotkey, "global hotkey")):
            if not key:
                continue
            row = conn.execute(
                f"SELECT name FROM cues WHERE lower({column}) = lower(?) AND id IS NOT ?", (key, own_id)).fetchone()
            if row is not None:
                raise AlreadyExists(f"The {what} {key} already plays the cue '{row[0]}'.",
                                    hint="Choose another key or clear it on that cue first.")

    # -- using -------------------------------------------------------------------------------------
    def base_for(self, cue: Cue | str | int) -> Any:
        """The base that serves the cue's voice (``engine.speech.resolve_base``), or None when there is none yet."""
        cue = cue if isinstance(cue, Cue) else self.get(cue)
        try:
            return self.engine.speech.resolve_base(cue.voice)
        except NotFound:        # no base for the voice yet (or the voice is gone): nothing to stage
            return None
        except TimbrelError as exc:   # a damaged catalog or base: the cue's own request will report it plainly
            log.warning("cue '%s': its base cannot be resolved: %s", cue.name, exc.message)
            return None

    def hint_prefetch(self, cue: Cue | str | int) -> Any:
        """Tell the runtime the cue's base will be needed soon. Returns the base, or None when there is nothing to stage."""
        base = self.base_for(cue)
        if base is not None:
            self.engine.runtime.hint_prefetch(base)
        return base

    def say(self, cue: Cue | str | int, **options: Any):
        """Start the cue's request; returns the speech handle (``chunks()``, ``cancel()``)."""
        cue = cue if isinstance(cue, Cue) else self.get(cue)
        if cue.language and "language" not in options:
            options["language"] = cue.language
        return self.engine.speech.say(cue.text, cue.voice, emotion=cue.emotion, **options)

    def play(self, cue: Cue | str | int, *, playback=None, on_end=None, **options: Any):
        """Speak the cue now, in its mode (overlap / interrupt); returns ``(handle, playback job)`` at once."""
        cue = cue if isinstance(cue, Cue) else self.get(cue)
        if cue.language and "language" not in options:
            options["language"] = cue.language
        return self.engine.speech.speak(cue.text, cue.voice, emotion=cue.emotion, playback=playback, mode=cue.mode,
                                        label=cue.name, on_end=on_end, **options)
