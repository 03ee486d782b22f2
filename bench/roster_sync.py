"""Benchmark: roster sync over NRPS of a 10,000-member course from the demo LMS.

The demo LMS (and the tool) run under gunicorn on loopback, on a fresh SQLite database; the
tool registers itself in the LMS's spec flavour by Dynamic Registration. A course of 9,999
learners plus its designer is grown with ``flask demo big-course``. This script then plays the
worker: it runs the real ``run_roster_sync`` job in-process — a full sync at 100 members per
page (token by client_credentials, every page read, then one bulk apply and commit) — then
changes 100 enrollments in the LMS and times the incremental sync through
``rel="differences"``.

Prints a human line, then a final JSON line:
{"members": 10000, "full_sync_s": 3.2, "incremental_changes": 100, "incremental_s": 0.3}

Usage: python bench/roster_sync.py [--members 10000] [--changes 100] [--page-size 100]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from serving import ROOT, flask, free_port, gunicorn

sys.path.insert(0, str(ROOT))
CONTEXT_ID = "BENCH-ROSTER"


@contextmanager
def demo_lms_and_tool(tmp: Path, members: int, page_size: int):
    """Environment of a migrated, seeded tool + demo LMS under gunicorn, the tool registered
    in the spec flavour and a course of ``members`` members (designer included)."""
    port = free_port()
    tool_url, lms_url = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    env = {
        "RECIPROCAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(16),
        "DATABASE_URL": f"sqlite:///{tmp / 'reciprocal.sqlite3'}",
        "QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
        "TOOL_BASE_URL": tool_url,
        "DEMO_LMS_ENABLED": "1",
        "LOG_LEVEL": "WARNING",
        "ROSTER_SYNC_PAGE_SIZE": str(page_size),
        "FLASK_APP": "lti_tool",
        # The demo LMS is on loopback (README, "Outbound calls").
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8 ::1/128",
    }
    flask(env, "db", "upgrade")
    flask(env, "keys", "ensure")
    flask(env, "demo", "seed", "--tool-url", tool_url, "--lms-url", lms_url)
    with gunicorn("lti_tool:create_app()", port, env):
        flask(
            env,
            "demo",
            "register",
            "--tool-url",
            tool_url,
            "--lms-url",
            lms_url,
            "--flavour",
            "spec",
        )
        started = time.perf_counter()
        flask(env, "demo", "big-course", "--members", str(members - 1), "--context-id", CONTEXT_ID)
        print(
            f"  demo LMS course of {members:,} members built in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        os.environ.update(env)
        yield lms_url


def tool_course(app: Any, lms_url: str) -> int:
    """The tool's Course for the big course, as a designer's launch would record it: the
    platform of the spec registration, the context, and the NRPS endpoint of the claim."""
    import sqlalchemy as sa

    from lti_tool.demo_lms.models import DemoCourse, DemoToolRegistration
    from lti_tool.extensions import db
    from lti_tool.platforms.models import Platform
    from lti_tool.roster.models import Course

    with app.app_context():
        demo = db.session.scalars(
            sa.select(DemoCourse).where(DemoCourse.context_id == CONTEXT_ID)
        ).one()
        registration = db.session.scalars(sa.select(DemoToolRegistration)).one()
        platform = db.session.scalars(
            sa.select(Platform).where(Platform.client_id == registration.client_id)
        ).one()
        course = Course(
            platform_id=platform.id,
            context_id=CONTEXT_ID,
            title=demo.title,
            memberships_url=f"{lms_url}/spec/api/courses/{demo.id}/memberships",
        )
        db.session.add(course)
        db.session.commit()
        return course.id


def timed_sync(app: Any, course_id: int) -> tuple[float, Any]:
    """Queue a sync and run its job here, as the worker would; (seconds, finished row)."""
    from lti_tool.extensions import db
    from lti_tool.roster.models import Course, RosterSync
    from lti_tool.roster.sync import new_sync
    from lti_tool.roster.tasks import run_roster_sync

    with app.app_context():
        sync_id = new_sync(db.session.get(Course, course_id), trigger="cli").id
        db.session.commit()
        started = time.perf_counter()
        run_roster_sync(sync_id)
        seconds = time.perf_counter() - started
        db.session.expire_all()
        sync = db.session.get(RosterSync, sync_id)
        if sync.status != RosterSync.DONE:
            raise SystemExit(f"sync {sync_id} {sync.status}: {sync.error}")
        db.session.expunge(sync)
        return seconds, sync


def change_enrollments(app: Any, changes: int) -> None:
    """Change ``changes`` enrollments of the course: some leave (Inactive, Deleted), some
    get a new role."""
    import sqlalchemy as sa

    from lti_tool.core.time import utcnow
    from lti_tool.demo_lms.flavours import ROLE_CONTENT_DEVELOPER
    from lti_tool.demo_lms.models import DemoCourse, DemoEnrollment
    from lti_tool.extensions import db

    with app.app_context():
        course = db.session.scalars(
            sa.select(DemoCourse).where(DemoCourse.context_id == CONTEXT_ID)
        ).one()
        rows = db.session.scalars(
            sa.select(DemoEnrollment)
            .where(DemoEnrollment.course_id == course.id)
            .order_by(DemoEnrollment.id.desc())
            .limit(changes)
        ).all()
        now = utcnow()
        for i, row in enumerate(rows):
            if i % 3 == 0:
                row.status = "Inactive"
            elif i % 3 == 1:
                row.status = "Deleted"
            else:
                row.roles = [ROLE_CONTENT_DEVELOPER]
            row.updated_at = now
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="reciprocal-roster-bench-") as tmp,
        demo_lms_and_tool(Path(tmp), args.members, args.page_size) as lms_url,
    ):
        from lti_tool import create_app

        app = create_app()
        course_id = tool_course(app, lms_url)
        full_s, full = timed_sync(app, course_id)
        assert full.kind == "full" and full.members_seen == args.members, full.members_seen
        change_enrollments(app, args.changes)
        time.sleep(0.01)  # the changes are stamped after the full read's snapshot
        incremental_s, incremental = timed_sync(app, course_id)
        assert incremental.kind == "incremental", incremental.kind
        assert incremental.members_seen == args.changes, incremental.members_seen
        with app.app_context():
            from lti_tool.extensions import db

            db.engine.dispose()
    print(
        f"Roster sync: {full.members_seen:,} members in {full.pages_read} pages "
        f"({args.page_size} a page) in {full_s:.2f} s; {incremental.members_seen} changes "
        f"({incremental.members_left} left, {incremental.members_updated} updated) "
        f"in {incremental_s:.3f} s",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "members": full.members_seen,
                "full_sync_s": round(full_s, 2),
                "incremental_changes": incremental.members_seen,
                "incremental_s": round(incremental_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
