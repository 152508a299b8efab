"""The SQLite catalog: one file per library, WAL journal, foreign keys, migrations.

Schema changes live in ``engine/library/schema/NNNN_name.sql`` and are applied
in file-name order, each in its own transaction, and recorded in
``schema_migrations``. ``PRAGMA user_version`` mirrors the number applied. A
catalog written by a newer Timbrel (a migration this code does not know) is
refused rather than guessed at.

Each thread gets its own connection. Use :meth:`Catalog.transaction` for
writes: it takes the write lock up front (``BEGIN IMMEDIATE``), commits on
success and rolls back on any exception, so a change is all or nothing.
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

SCHEMA_PACKAGE = "engine.library.schema"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def available_migrations() -> list[tuple[str, str]]:
    """(name, sql) of every bundled migration, in order."""
    files = [f for f in resources.files(SCHEMA_PACKAGE).iterdir() if f.name.endswith(".sql")]
    return [(f.name[:-4], f.read_text("utf-8")) for f in sorted(files, key=lambda f: f.name)]


class Catalog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._closed = False

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StorageError(f"Cannot open the catalog {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StorageError(
                f"{self.path} is not a Timbrel catalog or is damaged ({exc}).",
                hint="Restore the library folder from a backup, or choose another library folder.",
            ) from exc
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError("The library has been closed.")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            conns, self._all = self._all, []
        for c in conns:
            try:
                c.close()
            except sqlite3.Error:
                pass

    # -- transactions --------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing write block. Nested use joins the outer transaction."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        self._begin_immediate(conn)
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                conn.execute("ROLLBACK")
                raise StorageError(f"Could not save the change to the catalog: {exc}", hint="Check free disk space and try again.") from exc

    @staticmethod
    def _begin_immediate(conn: sqlite3.Connection) -> None:
        for attempt in range(50):
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise StorageError("The library is busy (another program holds its write lock).", hint="Close other Timbrel windows and try again.")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: tuple | dict = ()):
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- migrations ----------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply every bundled migration not applied yet. Returns the names applied now."""
        conn = self.conn
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
        known = available_migrations()
        known_names = {name for name, _ in known}
        unknown = sorted(applied - known_names)
        if unknown:
            raise StorageError(
                f"This library was written by a newer Timbrel (schema {unknown[-1]}).",
                hint="Update Timbrel to open it; nothing was changed.",
            )
        done: list[str] = []
        for name, sql in known:
            if name in applied:
                continue
            with self.transaction() as c:
                for statement in _split_sql(sql):
                    c.execute(statement)
                c.execute("INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", (name, utc_now()))
                count = c.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
                c.execute(f"PRAGMA user_version = {int(count)}")
            done.append(name)
        return done

    def schema_version(self) -> int:
        return int(self.scalar("PRAGMA user_version") or 0)

    def integrity_problems(self) -> list[str]:
        problems = [r[0] for r in self.query("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self.query("PRAGMA foreign_key_check")]
        return problems


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
