"""The SQLite catalog: one file per library, WAL journal, foreign keys, migrations.

Schema changes live in ``engine/library/schema/NNNN_name.sql`` and are applied
in file-name order, each in its own transaction, and recorded in
``schema_migrations``. ``PRAGMA user_version`` mirrors the number applied. A
catalog written by a newer Timbrel (a migration this code does not know) is
refused rather than guessed at.

Each thread gets its own connection. Use :meth:`Catalog.transaction` for
writes: it takes the write lock up front (``BEGIN IMMEDIATE``), commits on
success and rolls back on any exception, so a change is all or nothing.

``Catalog(path, read_only=True)`` is a reader beside the library's one writer (a serving replica): SQLite
opens the file with ``mode=ro`` and ``query_only``, no migration runs (:meth:`check_schema` refuses a
catalog this code cannot read as it is), and every write is refused with :class:`ReadOnlyLibrary`. In WAL
mode each query sees the writer's latest commit, so a reader notices new voices and bases without reopening;
a reader of a copy (another machine, synchronised from the writer by replacing the file) reconnects when the
file is replaced.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Iterator

from ..errors import StorageError
from ..fsutil import disk_full_error, disk_nearly_full

SCHEMA_PACKAGE = "engine.library.schema"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def available_migrations() -> list[tuple[str, str]]:
    """(name, sql) of every bundled migration, in order."""
    files = [f for f in resources.files(SCHEMA_PACKAGE).iterdir() if f.name.endswith(".sql")]
    return [(f.name[:-4], f.read_text("utf-8")) for f in sorted(files, key=lambda f: f.name)]


class ReadOnlyLibrary(StorageError):
    """A write was attempted on a library opened read-only."""


def read_only_error(what: str = "This change") -> ReadOnlyLibrary:
    return ReadOnlyLibrary(f"{what} cannot be made here: this library is open read-only (a reader beside its one "
                           "writer, e.g. a serving replica).",
                           hint="Make the change with the writer (the timbrel CLI or the app on the machine that owns "
                                "the library folder); readers see it on their next request.")


class Catalog:
    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = bool(read_only)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._closed = False
        self.read_only_reason: str | None = None  # set when the catalog could only be opened for reading

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            return self._connect_reader()
        try:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StorageError(f"Cannot open the catalog {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            if is_space_error(exc, self.path.parent):
                return self._connect_read_only(exc)
            if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
                raise StorageError(
                    f"Cannot open the catalog {self.path} ({exc}).",
                    hint="Check that the disk is connected and readable, then try again; nothing was changed.",
                ) from exc
            raise StorageError(
                f"{self.path} is not a Timbrel catalog or is damaged ({exc}).",
                hint="Restore the library folder from a backup, or choose another library folder.",
            ) from exc
        return conn

    def _connect_reader(self) -> sqlite3.Connection:
        """A connection that can only read (``mode=ro`` + ``query_only``); the journal mode is the writer's."""
        if not self.path.is_file():
            raise StorageError(f"There is no catalog at {self.path}.",
                               hint="Check the library path (a read-only open never creates a library).")
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0,
                                   isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA query_only = ON")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"Cannot open the catalog {self.path} for reading ({exc}).",
                               hint="Check that the library folder is mounted and readable; nothing was changed.") from exc
        return conn

    def _connect_read_only(self, cause: BaseException) -> sqlite3.Connection:
        """The disk is full: SQLite cannot create the WAL index it needs even to read. Open the
        catalog as an immutable snapshot instead (reads work; every write is refused plainly).
        A cleanly closed catalog has an empty WAL, so the snapshot is the whole catalog."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA query_only = ON")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise disk_full_error(self.path.parent, "the catalog cannot even be opened for reading",
                                  delete_works=self._reserve_kept()) from exc
        self.read_only_reason = "full"
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError("The library has been closed.")
        conn = getattr(self._local, "conn", None)
        if conn is not None and self.read_only and self._file_id() not in (None, self._local.file_id):
            self._drop(conn)        # a reader's copy was replaced by a newer one (synced from the writer)
            conn = None
        if conn is None:
            file_id = self._file_id() if self.read_only else None
            conn = self._connect()
            self._local.conn, self._local.file_id = conn, file_id
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _file_id(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _drop(self, conn: sqlite3.Connection) -> None:
        with self._all_lock:
            self._all = [c for c in self._all if c is not conn]
        try:
            conn.close()
        except sqlite3.Error:
            pass

    def _close_connections(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for c in conns:
            try:
                c.close()
            except sqlite3.Error:
                pass

    def reopen(self) -> None:
        """Drop every connection (the next use connects afresh), e.g. after space was freed."""
        self._close_connections()
        self._local = threading.local()
        self.read_only_reason = None

    def close(self) -> None:
        self._closed = True
        self._close_connections()

    # -- transactions --------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing write block. Nested use joins the outer transaction.

        Whatever goes wrong (an exception in the block, a full disk at any statement or at COMMIT),
        the change is rolled back and SQLite's own errors become a :class:`StorageError` that says
        plainly that *this* change was not saved (earlier, committed changes are kept)."""
        if self.read_only:
            raise read_only_error()
        conn = self.conn
        if self.read_only_reason:
            raise disk_full_error(self.path.parent, "this change cannot be saved", delete_works=self._reserve_kept())
        if conn.in_transaction:
            yield conn
            return
        self._begin_immediate(conn)
        try:
            yield conn
        except BaseException as exc:
            _rollback(conn)
            if isinstance(exc, sqlite3.OperationalError):
                raise self._write_error(exc) from exc
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            # SQLite may already have rolled back (SQLITE_FULL at COMMIT does): roll back only what is left
            _rollback(conn)
            raise self._write_error(exc) from exc

    def _reserve_kept(self) -> bool:
        """Whether the library keeps space back for ``delete`` (see :mod:`engine.library.reserve`)."""
        from .reserve import RESERVE_NAME

        return (self.path.parent / RESERVE_NAME).is_file()

    def _write_error(self, exc: sqlite3.Error) -> StorageError:
        if is_space_error(exc, self.path.parent):
            return disk_full_error(self.path.parent, "this change was not saved", delete_works=self._reserve_kept())
        if "locked" in str(exc) or "busy" in str(exc):
            return busy_error()
        return StorageError(
            f"Could not save the change to the catalog ({exc}); it was not saved.",
            hint="Changes saved before this one are kept. Check the disk, then run 'timbrel doctor'.",
        )

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        for attempt in range(50):
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise self._write_error(exc) from exc
                time.sleep(0.05 * (attempt + 1))
        raise busy_error()

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: tuple | dict = ()):
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- migrations ----------------------------------------------------------------------------
    def _applied(self, conn: sqlite3.Connection) -> set[str]:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
        return {r[0] for r in conn.execute("SELECT name FROM schema_migrations")} if exists else set()

    def migrate(self) -> list[str]:
        """Apply every bundled migration not applied yet. Returns the names applied now.

        Safe with several processes opening a new library at once: which migrations are missing is
        decided again *inside* each migration's write transaction (``BEGIN IMMEDIATE`` holds the
        write lock), so a migration another process applied meanwhile is skipped, never re-run.
        Read-only: nothing is applied; :meth:`check_schema` refuses a catalog this code cannot read as it is."""
        if self.read_only:
            self.check_schema()
            return []
        conn = self.conn
        known = available_migrations()
        known_names = {name for name, _ in known}

        def check_unknown(applied: set[str]) -> None:
            unknown = sorted(applied - known_names)
            if unknown:
                raise StorageError(
                    f"This library was written by a newer Timbrel (schema {unknown[-1]}).",
                    hint="Update Timbrel to open it; nothing was changed.",
                )

        applied = self._applied(conn)
        check_unknown(applied)
        done: list[str] = []
        for name, sql in known:
            if name in applied:
                continue
            with self.transaction() as c:
                c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
                now_applied = self._applied(c)
                check_unknown(now_applied)
                if name in now_applied:  # another process applied it while we waited for the lock
                    applied = now_applied
                    continue
                for statement in _split_sql(sql):
                    c.execute(statement)
                c.execute("INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", (name, utc_now()))
                count = c.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
                c.execute(f"PRAGMA user_version = {int(count)}")
            done.append(name)
        return done

    def check_schema(self) -> None:
        """For a read-only open: refuse a catalog written by a newer Timbrel or one missing migrations this code
        needs (a reader cannot apply them)."""
        applied = self._applied(self.conn)
        known = [name for name, _ in available_migrations()]
        unknown = sorted(applied - set(known))
        if unknown:
            raise StorageError(f"This library was written by a newer Timbrel (schema {unknown[-1]}).",
                               hint="Update Timbrel to open it; nothing was changed.")
        missing = [name for name in known if name not in applied]
        if missing:
            raise StorageError(f"This library's catalog is older than this Timbrel (it lacks schema {missing[0]}), and "
                               "a read-only open cannot upgrade it.",
                               hint="Open it once with the writer (e.g. 'timbrel --library PATH stats'), then start "
                                    "the readers again.")

    def schema_version(self) -> int:
        return int(self.scalar("PRAGMA user_version") or 0)

    def integrity_problems(self) -> list[str]:
        problems = [r[0] for r in self.query("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self.query("PRAGMA foreign_key_check")]
        return problems


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is left of a transaction; SQLite may already have rolled it back itself."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _damaged(exc: sqlite3.Error) -> bool:
    msg = str(exc).lower()
    return "not a database" in msg or "malformed" in msg or "encrypted" in msg


def is_space_error(exc: BaseException, folder: Path) -> bool:
    """True when ``exc`` comes from a full disk. SQLite reports a full disk as "database or disk is
    full" for data, but as a plain "disk I/O error" when it cannot grow its WAL index: then the
    free space of the folder decides."""
    msg = str(exc).lower()
    if "full" in msg or "no space" in msg:
        return True
    if "disk i/o error" in msg or "unable to open" in msg:
        return disk_nearly_full(folder)
    return False


def busy_error() -> StorageError:
    return StorageError("The library is busy (another program holds its write lock).",
                        hint="Close other Timbrel windows and try again; nothing was changed by this command.")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.execute takes one at a time; executescript would commit)."""
    statements, buf = [], []
    for line in script.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") and not buf:
            continue
        buf.append(line)
        candidate = "\n".join(buf).strip()
        if candidate.endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            buf = []
    rest = "\n".join(buf).strip()
    if rest and not all(l.strip().startswith("--") or not l.strip() for l in buf):
        statements.append(rest)
    return statements
