"""SQLite as a database several gunicorn workers share.

- WAL lets readers run beside the one writer; ``synchronous=NORMAL`` is safe with WAL.
- Writers queue on a blocking file lock next to the database. SQLite's own busy handler makes
  a waiting writer sleep 1, 2, 5, 10… ms whatever the actual wait; with the lock a writer
  wakes the moment the previous transaction ends, which keeps tail latency low under load.
  The lock is taken just before a connection's first write statement (so reads never wait)
  and released when its transaction ends.
- The database holds the tool's private keys: its directory is created 0700 and the file
  0600 before SQLite opens it (SQLite gives its -wal/-shm files the database's mode).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP")


class _WriterLockedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.connection.before_statement(sql)  # type: ignore[attr-defined]
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self.connection.before_statement(sql)  # type: ignore[attr-defined]
        return super().executemany(sql, parameters)


class WriterLockedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the database's writer lock during write transactions."""

    lock_path: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._holding = False

    def cursor(self, factory: type[sqlite3.Cursor] = _WriterLockedCursor) -> sqlite3.Cursor:
        return super().cursor(factory)

    def before_statement(self, sql: str) -> None:
        if self._holding or self.lock_path is None:
            return
        if sql.lstrip()[:7].upper().startswith(WRITE_VERBS):
            if self._lock_fd is None:
                self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # blocks without holding the GIL
            self._holding = True

    def _release(self) -> None:
        if self._holding and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._holding = False

    def commit(self) -> None:
        try:
            sqlite3.Connection.commit(self)  # the DB-API commit, not a session's
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            sqlite3.Connection.rollback(self)
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


PRIVATE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def secure_file(path: str | Path) -> None:
    """Make ``path`` private to this user before anything opens it: its directory is created
    0700 when missing, the file 0600; an existing file (and its SQLite companions) readable
    by others is tightened to 0600."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Never open (and close) a database this process may have open: closing any file
        # descriptor of it drops the process's POSIX locks that SQLite holds on it.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in PRIVATE_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        if companion.exists() and companion.stat().st_mode & 0o077:
            companion.chmod(0o600)


def engine_options(database_uri: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Engine options for this database: for a SQLite file, the writer-locked connection
    (and no pre-ping, which a local file does not need); others unchanged. A SQLite file is
    made private first (``secure_file``)."""
    url = sa.make_url(database_uri)
    result = dict(options)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return result
    secure_file(url.database)
    lock_path = os.path.abspath(url.database) + ".writer-lock"
    factory = type("WriterLockedConnection", (WriterLockedConnection,), {"lock_path": lock_path})
    result["connect_args"] = {**result.get("connect_args", {}), "factory": factory}
    result.pop("pool_pre_ping", None)
    return result


@sa.event.listens_for(sa.engine.Engine, "connect")
def _tune(dbapi_connection: object, connection_record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
