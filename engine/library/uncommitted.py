"""Blobs stored for a change that is not committed yet (an import's clips before its catalog rows).

Named apart from the runtime's *host staging* (pinned memory for weights on their way to the GPU).

Imports (files, lists, packs) write their clips' blobs first and commit the catalog rows
that use them in one transaction afterwards. :class:`UncommittedBlobs` journals each blob before
it is written (see :mod:`engine.library.journal`) and, when the change is abandoned,
removes the blobs it wrote that nothing references.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .blobs import sha256_bytes
from .gc import collect
from .journal import ImportJournal

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .library import Library


class UncommittedBlobs:
    def __init__(self, library: "Library", label: str) -> None:
        self.library = library
        self.journal = ImportJournal(library.root, label)

    def store(self, data: bytes, sha: str | None = None) -> tuple[str, int]:
        """Store ``data`` (journaled first). Returns (sha256, bytes newly written: 0 if it was already there)."""
        sha = sha or sha256_bytes(data)
        self.journal.record(sha)
        if self.library.blobs.exists(sha):
            self.heal(sha, data)
            return sha, 0
        self.library.blobs.put_bytes(data)
        self.journal.mark_new(sha)
        return sha, len(data)

    def heal(self, sha: str, data: bytes) -> bool:
        """If the stored copy of ``data`` is damaged, replace it (re-importing a file repairs its blob)."""
        blobs = self.library.blobs
        if blobs.exists(sha) and not blobs.verify(sha):
            blobs.rewrite(sha, data)
            return True
        return False

    def ensure(self, sha: str, data: bytes) -> None:
        """Inside the commit transaction: store the blob again if a concurrent clean-up took it."""
        if not self.library.blobs.exists(sha):
            self.library.blobs.put_bytes(data)

    def done(self) -> None:
        """The change is committed: the journal is no longer needed."""
        self.journal.close()

    def rollback(self) -> None:
        """Remove the blobs this change wrote that nothing references. If even that fails, the
        journal is left behind unlocked, and ``doctor --repair`` finishes the job."""
        try:
            if self.journal.new:
                collect(self.library, self.journal.new, own_journal=self.journal.path)
        except Exception:  # noqa: BLE001 - the original error matters more; doctor tidies up
            log.warning("removing the blobs of an abandoned import failed; 'timbrel doctor --repair' removes them",
                        exc_info=True)
            self.journal.close(keep=True)
        else:
            self.journal.close()


class DryRunBlobs:
    """Stands in for :class:`UncommittedBlobs` in a dry run: says what would be written, writes nothing."""

    def __init__(self, library: "Library", label: str = "") -> None:
        self.library = library

    def store(self, data: bytes, sha: str | None = None) -> tuple[str, int]:
        sha = sha or sha256_bytes(data)
        return sha, 0 if self.library.blobs.exists(sha) else len(data)

    def heal(self, sha: str, data: bytes) -> bool:
        return False

    def ensure(self, sha: str, data: bytes) -> None:
        pass

    def done(self) -> None:
        pass

    def rollback(self) -> None:
        pass
