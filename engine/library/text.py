"""Checks of the text fields users and files put into the library (names, transcripts, tags).

One rule per field, used by every way in (import of files, ``.list`` lines and packs, the CLI's
edits, the GUI): what a pack may not carry, a ``.list`` may not either.

* Voice names: 1..:data:`MAX_NAME` characters, no control or bidirectional-override characters.
* Transcripts: whitespace runs become one space; at most :data:`MAX_TRANSCRIPT` characters; no
  control characters.
* :func:`printable` makes any text safe to print on a terminal (control characters are shown as
  escapes, so a file cannot send escape sequences to the user's terminal through an error message).
"""

from __future__ import annotations

import unicodedata

from ..errors import InvalidInput

MAX_NAME = 120
MAX_TRANSCRIPT = 10_000
MAX_TAG = 100
MAX_NOTES = 100_000

# bidirectional overrides/isolates can make a name display as something else
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"}


def _bad_char(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _BIDI


def has_control(text: str) -> bool:
    return any(_bad_char(ch) for ch in text)


def printable(text: object, limit: int | None = None, *, keep_newlines: bool = False) -> str:
    """``text`` with control/bidi characters shown as ``\\x1b``-style escapes (and cut to ``limit``).
    ``keep_newlines``: line breaks stay (for multi-line messages of Timbrel's own)."""
    s = str(text)
    if limit is not None and len(s) > limit:
        s = s[:limit] + "…"
    if not has_control(s):
        return s
    out = []
    for ch in s:
        if _bad_char(ch) and not (keep_newlines and ch == "\n"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def check_voice_name(name: str | None) -> str:
    """The stripped name, or :class:`InvalidInput` saying what is wrong with it."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A voice needs a name.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Voice names are at most {MAX_NAME} characters (this one has {len(name)}).")
    if has_control(name):
        raise InvalidInput("Voice names cannot contain control characters.")
    return name


def clean_transcript(text: str | None) -> str:
    """Whitespace-normalised transcript, or :class:`InvalidInput` when it is too long or has control characters."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InvalidInput("A transcript must be text.")
    if len(text) > 4 * MAX_TRANSCRIPT:  # do not even normalise something this large
        raise InvalidInput(f"The transcript is longer than {MAX_TRANSCRIPT} characters.")
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_TRANSCRIPT:
        raise InvalidInput(f"The transcript is longer than {MAX_TRANSCRIPT} characters ({len(cleaned)}).",
                           hint="A reference clip's transcript is what is said in it: a sentence or two.")
    if has_control(cleaned):
        raise InvalidInput("The transcript contains control characters.")
    return cleaned


def check_tag(tag: str) -> str:
    tag = (tag or "").strip()
    if len(tag) > MAX_TAG:
        raise InvalidInput(f"Tags are at most {MAX_TAG} characters.")
    if has_control(tag):
        raise InvalidInput("Tags cannot contain control characters.")
    return tag
