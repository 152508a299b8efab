"""Errors users see.

Every error the engine raises on purpose derives from :class:`TimbrelError`.
Its message says what went wrong in plain language; ``hint`` says what to do
next. The CLI prints both and exits with status 1.
"""

from __future__ import annotations


class TimbrelError(Exception):
    """A user-facing error with an optional hint about what to do next."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class NotFound(TimbrelError):
    """A named thing (voice, clip, base, cue...) does not exist."""


class AlreadyExists(TimbrelError):
    """A name is already taken."""


class InvalidInput(TimbrelError):
    """The user gave a value the engine cannot use."""


class AudioError(InvalidInput):
    """An audio file cannot be used (unreadable, silent, clipped, too short...)."""


class ImportFailed(TimbrelError):
    """An import was rolled back; the library is unchanged."""


class UnsafeFile(TimbrelError):
    """A file tried something dangerous (pickle code, path escapes) and was refused."""


class StorageError(TimbrelError):
    """Disk full, permissions, or a damaged library folder."""


class MissingAsset(TimbrelError):
    """A model or asset the operation needs is not installed or linked."""


class ResourceExhausted(TimbrelError):
    """A request cannot fit in the VRAM budget or the queue is closed."""


class Cancelled(TimbrelError):
    """The operation was cancelled by the user."""
