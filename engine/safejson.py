"""JSON from files Timbrel did not write (packs, manifests, settings) with bounds.

``json.loads`` recurses once per nesting level, so a small file of 100 000 ``[`` makes it raise
``RecursionError`` deep inside the parser. :func:`loads_bounded` measures the nesting first (a
linear scan that ignores brackets inside strings) and refuses anything deeper than ``max_depth``
with a plain :class:`~engine.errors.InvalidInput`; invalid JSON is refused the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InvalidInput

DEFAULT_MAX_DEPTH = 32
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def loads_bounded(raw: bytes | str, what: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse JSON ``raw`` (UTF-8 bytes or text) describing ``what``; refuse nesting deeper than ``max_depth``."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is not UTF-8 text ({exc.reason}).") from None
    depth = json_depth(text)
    if depth > max_depth:
        raise InvalidInput(f"{what} is nested {depth} levels deep (at most {max_depth}); it was refused.",
                           hint="The file is damaged or was made to attack the program that reads it.")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what} is not valid JSON ({exc}).") from None
