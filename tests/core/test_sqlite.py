"""SQLite shared by several workers: writers queue on the file lock, readers never wait."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from lti_tool.core.sqlite import engine_options


def connect(path: Path) -> sqlite3.Connection:
    factory = engine_options(f"sqlite:///{path}", {})["connect_args"]["factory"]
    return sqlite3.connect(path, factory=factory, check_same_thread=False, timeout=10)


def test_second_writer_waits_for_the_first_commit(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    setup = connect(db)
    setup.execute("CREATE TABLE t (n INTEGER)")
    setup.commit()
    first, second, reader = connect(db), connect(db), connect(db)
    first.execute("INSERT INTO t VALUES (1)")  # takes the writer lock, transaction open
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # readers don't wait
    finished: list[float] = []

    def write() -> None:
        second.execute("INSERT INTO t VALUES (2)")
        second.commit()
        finished.append(time.monotonic())

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.2)
    assert not finished, "the second writer must wait while the first holds the lock"
    committed_at = time.monotonic()
    first.commit()
    thread.join(timeout=5)
    assert finished and finished[0] >= committed_at
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_rollback_releases_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    first, second = connect(db), connect(db)
    first.execute("CREATE TABLE t (n INTEGER)")
    first.commit()
    first.execute("INSERT INTO t VALUES (1)")
    first.rollback()
    second.execute("INSERT INTO t VALUES (2)")  # would block forever if the lock leaked
    second.commit()
    assert second.execute("SELECT n FROM t").fetchall() == [(2,)]


def test_other_databases_are_left_alone() -> None:
    options = {"pool_pre_ping": True}
    assert engine_options("postgresql+psycopg://db/x", options) == options
    assert engine_options("sqlite://", options) == options
    assert "pool_pre_ping" not in engine_options("sqlite:////tmp/x.sqlite3", options)


def test_engine_uses_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    engine = sa.create_engine(url, **engine_options(url, {}))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_every_connection_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'fk.sqlite3'}",
        **engine_options(f"sqlite:///{tmp_path / 'fk.sqlite3'}", {}),
    )
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
