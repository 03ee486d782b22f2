"""The SQLite database holds the tool's private keys: the app creates it (and the queue file)
0600 in a 0700 directory, and tightens a file an older version left world-readable."""

from __future__ import annotations

import stat
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.jobs import get_huey
from lti_tool.platforms.keys import ensure_signing_key


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_database_and_queue_are_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{var / 'reciprocal.sqlite3'}",
            "QUEUE_URL": f"sqlite:///{var / 'queue.sqlite3'}",
            "DEMO_LMS_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        ensure_signing_key()  # a private key is written
        db.session.commit()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM tool_keys")).scalar() == 1
        assert get_huey(app).storage.filename.endswith("queue.sqlite3")
        db.engine.dispose()
    assert mode(var) == 0o700
    files = sorted(p.name for p in var.iterdir())
    assert "reciprocal.sqlite3" in files and "queue.sqlite3" in files
    for name in files:
        assert mode(var / name) == 0o600, name


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    database = tmp_path / "old.sqlite3"
    database.touch(mode=0o644)
    wal = tmp_path / "old.sqlite3-wal"
    wal.touch(mode=0o644)
    database.chmod(0o644)
    wal.chmod(0o644)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "DEMO_LMS_ENABLED": False,
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("old.sqlite3")
    assert mode(database) == 0o600 and mode(wal) == 0o600
    assert mode(tmp_path) == 0o755, "an existing directory is the admin's: left as it is"
