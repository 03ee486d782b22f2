"""Backups as the README tells them, restored, and a real launch against the restored copy.

SQLite: the ``sqlite3`` online backup API (what ``sqlite3 tool.db ".backup …"`` uses), taken
while the server runs. PostgreSQL (``TEST_DATABASE_URL``): ``pg_dump -Fc`` then ``pg_restore``
into a new, empty database. Either way a new app on the copy, on the same address, accepts a
launch from the demo LMS over HTTP and knows the person who launched before the backup.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from lti_tool import create_app
from lti_tool.demo_lms.registration import register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.roster.models import Person
from tests.support.databases import throwaway_database
from tests.support.invites import invite_url_for
from tests.support.live_server import LiveServer, PathOnlyRequestHandler
from tests.support.lti_browser import LtiBrowser

USER = "amara.okafor"


def _app(url: str) -> Flask:
    return create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "DEMO_LMS_ENABLED": True}
    )


@contextmanager
def _serving(app: Flask, port: int = 0) -> Iterator[LiveServer]:
    server = make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=PathOnlyRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(app=app, server=server, thread=thread)
    app.config["TOOL_BASE_URL"] = live.tool_url
    try:
        yield live
    finally:
        live.stop()
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def _launch(live: LiveServer, client_id: str) -> str:
    page = LtiBrowser(live.lms_url).launch("spec", USER, client_id=client_id)
    assert page.status_code == 200, page.text[:500]
    assert "/s/" in page.url
    return page.text


def _backup(source_url: str, target_url: str) -> None:
    source, target = sa.make_url(source_url), sa.make_url(target_url)
    if source.get_backend_name() == "sqlite":
        with sqlite3.connect(source.database) as live, sqlite3.connect(target.database) as copy:
            live.backup(copy)  # online: consistent while the server keeps writing
        return
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is not installed (Debian: postgresql-client)")
    libpq = [
        u.set(drivername="postgresql").render_as_string(hide_password=False)
        for u in (source, target)
    ]
    dump = subprocess.run(["pg_dump", "-Fc", libpq[0]], capture_output=True, check=True).stdout
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", libpq[1]],
        input=dump,
        capture_output=True,
        check=True,
    )


def test_a_restored_backup_accepts_launches(tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    (tmp_path / "restored").mkdir()
    with (
        throwaway_database(tmp_path / "live") as live_url,
        throwaway_database(tmp_path / "restored") as restored_url,
    ):
        original = _app(live_url)
        with original.app_context():
            upgrade()
        with _serving(original) as live:
            port = live.port
            with original.app_context():
                seed_demo(live.tool_url, live.lms_url)
                db.session.commit()
            client_id = register_tool(
                live.lms_url, "spec", invite_url_for(original, live, "spec")
            ).client_id
            _launch(live, client_id)
            _backup(live_url, restored_url)  # while the server runs

        restored = _app(restored_url)
        with restored.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) >= 1
            db.session.remove()
        with _serving(restored, port) as again:
            page = _launch(again, client_id)
            assert "Amara" in page
        with restored.app_context():
            people = db.session.scalars(sa.select(Person).where(Person.name.like("Amara%"))).all()
            assert len(people) == 1  # the same person as before the backup, not a new one
            db.session.remove()
            db.engine.dispose()
