"""Throwaway databases for a test run: a SQLite file, or a fresh PostgreSQL database.

``TEST_DATABASE_URL`` selects PostgreSQL (e.g. ``postgresql+psycopg://postgres@127.0.0.1/test``);
a new database named after it is created for the run and dropped afterwards, so runs never
see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


@contextmanager
def throwaway_database(tmp_dir: Path, base_url: str | None = None) -> Iterator[str]:
    """A database for this run: on ``base_url``'s server (``TEST_DATABASE_URL`` by default),
    or a SQLite file in ``tmp_dir``."""
    base_url = base_url or os.environ.get("TEST_DATABASE_URL")
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_dir / 'test.sqlite3'}"
        return
    url = sa.make_url(base_url)
    name = f"reciprocal_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is not reachable: {exc}"
        ) from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
