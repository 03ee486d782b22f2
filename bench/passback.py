"""Benchmark: completion grades into the demo LMS gradebook through the grade outbox.

The demo LMS (and the tool) run under gunicorn on loopback, on a fresh database; the tool
registers itself in the spec flavour; a course of 1,000 learners is grown. This script then
records 1,000 people × 10 graded steps = 10,000 completions through ``record_completion``
(each also updates the person's path completion score: 11,000 sends), starts ``flask
worker`` and times until the outbox is drained. Token requests are counted by the demo LMS.

Then the same again on a second program, with 30 % of AGS requests failing in the mixed ways
(500, 429 + Retry-After, slow past the timeout, dropped connection), and the worker killed
with SIGKILL once mid-run and started again. Delivered, duplicates and lost are counted by
the demo LMS (score counts per line item and person).

Final JSON line:
{"completions": 10000, "clean": {"seconds": 12.3, "token_requests": 1}, "faulty": {"seconds":
41.0, "fault_share": 0.3, "worker_kills": 1, "delivered": 10000, "duplicates": 0, "lost": 0}}

Usage: python bench/passback.py [--people 1000] [--steps 10] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from serving import BIN, ROOT, flask, free_port, gunicorn, wait_until_up

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from launch import database

CONTEXT_ID = "BENCH-PASSBACK"
FAULTS = "500:0.1,429:0.08,slow:0.06,drop:0.06"
TIMEOUT_SECONDS = 2.0
WORKER_PROCESSES = 2
MAX_SECONDS = int(os.environ.get("BENCH_MAX_SECONDS", "900"))


@contextmanager
def demo_lms_and_tool(tmp: Path, members: int, db_kind: str):
    port = free_port()
    tool_url, lms_url = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    with database(tmp, db_kind) as db_url:
        env = {
            "RECIPROCAL_ENV": "production",
            "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": db_url,
            "QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
            "TOOL_BASE_URL": tool_url,
            "DEMO_LMS_ENABLED": "1",
            "LOG_LEVEL": "WARNING",
            "FLASK_APP": "lti_tool",
            "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8 ::1/128",
            "RATELIMIT_ENABLED": "0",
            "HTTP_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
            "GRADE_SEND_BATCH": "32",
            "GRADE_SEND_LEASE_SECONDS": "15",
            "GRADE_RETRY_BASE_SECONDS": "0.5",
            "GRADE_RETRY_CAP_SECONDS": "8",
            "GRADE_DRAIN_IDLE_SECONDS": "20",
            "HUEY_WORKERS": "1",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "24",
            "GRADE_SEND_CONCURRENCY": "24",
        }
        flask(env, "db", "upgrade")
        flask(env, "keys", "ensure")
        flask(env, "demo", "seed", "--tool-url", tool_url, "--lms-url", lms_url)
        with gunicorn("lti_tool:create_app()", port, env):
            wait_until_up(f"{tool_url}/.well-known/jwks.json")
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
            flask(env, "demo", "big-course", "--members", str(members), "--context-id", CONTEXT_ID)
            os.environ.update(env)
            yield env, lms_url


def build_programs(app: Any, lms_url: str, people: int, steps: int) -> dict[str, Any]:
    """The tool's course (as a designer's launch records it), its people (the LMS's
    learners), and two programs — clean and faulty — each with ``steps`` graded steps and
    people // 2 active pairs."""
    import sqlalchemy as sa

    from lti_tool.demo_lms.models import (
        DemoCourse,
        DemoEnrollment,
        DemoToolRegistration,
        DemoUser,
    )
    from lti_tool.extensions import db
    from lti_tool.learning.models import Path as PathRow
    from lti_tool.learning.models import Step
    from lti_tool.matching.models import Pair, PairStatus
    from lti_tool.matching.programs import ProgramValues, create_program
    from lti_tool.platforms.models import Platform
    from lti_tool.roster.models import Course, Membership, Person

    with app.app_context():
        demo = db.session.scalars(sa.select(DemoCourse).filter_by(context_id=CONTEXT_ID)).one()
        registration = db.session.scalars(sa.select(DemoToolRegistration)).one()
        platform = db.session.scalars(
            sa.select(Platform).filter_by(client_id=registration.client_id)
        ).one()
        course = Course(
            platform_id=platform.id,
            context_id=CONTEXT_ID,
            title=demo.title,
            lineitems_url=f"{lms_url}/spec/api/courses/{demo.id}/lineitems",
        )
        db.session.add(course)
        users = db.session.scalars(
            sa.select(DemoUser)
            .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
            .where(DemoEnrollment.course_id == demo.id, DemoEnrollment.status == "Active")
            .order_by(DemoUser.id)
        ).all()
        learners = [u for u in users if u.username != "dana.whitfield"][:people]
        persons = [
            Person(issuer=platform.issuer, sub=u.uuid, name=u.display_name) for u in learners
        ]
        db.session.add_all(persons)
        db.session.add_all(Membership(course=course, person=p, roles=["Learner"]) for p in persons)
        db.session.flush()
        programs = {}
        for name in ("clean", "faulty"):
            program = create_program(
                course,
                ProgramValues(
                    title=f"Passback bench ({name})",
                    purpose="Measure completion grades into the gradebook.",
                    goals=[{"goal": "Grades arrive", "metric": "Exactly once"}],
                    starts_on=dt.date(2026, 1, 15),
                    length_months=6,
                    cadence="monthly",
                    is_pilot=True,
                ),
            )
            program.start_matching()
            path = PathRow(program=program, title=f"Bench path ({name})")
            db.session.add(path)
            for i in range(steps):
                db.session.add(
                    Step(
                        path=path,
                        position=i,
                        kind="module",
                        title=f"Module {i + 1}",
                        points=10,
                        audience="both",
                    )
                )
            pairs = []
            for i in range(0, len(persons) - 1, 2):
                pair = Pair(
                    program=program,
                    mentor_id=persons[i].id,
                    mentee_id=persons[i + 1].id,
                    status=PairStatus.PROPOSED.value,
                )
                db.session.add(pair)
                pair.activate()
                pairs.append(pair)
            db.session.flush()
            programs[name] = {"path_id": path.id, "pair_ids": [p.id for p in pairs]}
        db.session.commit()
        return {"course_id": course.id, "client_id": registration.client_id, **programs}


def record_completions(app: Any, path_id: int, pair_ids: list[int]) -> int:
    """Every partner of every pair completes every step (one commit per 50 pairs)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from lti_tool.core.transaction import unit_of_work
    from lti_tool.extensions import db
    from lti_tool.learning.completing import record_completion
    from lti_tool.learning.models import Path as PathRow
    from lti_tool.matching.models import Pair

    made = 0
    for start in range(0, len(pair_ids), 50):
        with app.app_context(), unit_of_work():
            path = db.session.scalars(
                sa.select(PathRow).options(selectinload(PathRow.steps)).filter_by(id=path_id)
            ).one()
            pairs = db.session.scalars(
                sa.select(Pair).where(Pair.id.in_(pair_ids[start : start + 50]))
            ).all()
            for pair in pairs:
                for person_id in (pair.mentor_id, pair.mentee_id):
                    for step in sorted(path.steps, key=lambda s: s.position):
                        made += record_completion(step, pair, person_id) is not None
    return made


def outbox_left(app: Any, path_id: int) -> tuple[int, int]:
    """(rows not sent yet, rows failed) of the path."""
    import sqlalchemy as sa

    from lti_tool.extensions import db
    from lti_tool.learning.grades.models import GradeSend

    with app.app_context():
        rows = dict(
            db.session.execute(
                sa.select(GradeSend.state, sa.func.count())
                .where(GradeSend.path_id == path_id)
                .group_by(GradeSend.state)
            ).all()
        )
        db.session.rollback()
    return sum(n for s, n in rows.items() if s != "sent"), rows.get("failed", 0)


def stuck(app: Any, path_id: int) -> list[dict]:
    import sqlalchemy as sa

    from lti_tool.extensions import db
    from lti_tool.learning.grades.models import GradeSend

    with app.app_context():
        rows = db.session.scalars(
            sa.select(GradeSend).where(GradeSend.path_id == path_id, GradeSend.state != "sent")
        ).all()
        return [
            {k: str(getattr(r, k)) for k in ("id", "state", "attempts", "needs_check",
             "next_attempt_at", "lease_until", "last_error", "version", "step_id")}
            for r in rows[:10]
        ]  # fmt: skip


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "flask"), "worker", "--workers", env["HUEY_WORKERS"]],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def drain_run(
    app: Any, env: dict[str, str], path_id: int, *, kill_after_sent: int | None = None
) -> tuple[float, int]:
    """(seconds until the path's outbox is drained, worker kills). Two worker processes
    (the tool's side gets both cores); one is killed once mid-run and started again."""
    total = outbox_left(app, path_id)[0]
    started = time.perf_counter()
    workers = [start_worker(env) for _ in range(WORKER_PROCESSES)]
    kills = 0
    try:
        while True:
            left, failed = outbox_left(app, path_id)
            if failed:
                raise SystemExit(f"{failed} grade send(s) failed")
            if not left:
                return time.perf_counter() - started, kills
            if kill_after_sent is not None and not kills and total - left >= kill_after_sent:
                workers[0].send_signal(signal.SIGKILL)  # mid-run: rows claimed, posts in flight
                workers[0].wait()
                kills += 1
                workers[0] = start_worker(env)
            if time.perf_counter() - started > MAX_SECONDS:
                raise SystemExit(f"not drained after {MAX_SECONDS} s: {stuck(app, path_id)}")
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def lms(lms_url: str, method: str, path: str, **kwargs: Any) -> dict:
    response = requests.request(method, f"{lms_url}/spec/admin/api/{path}", timeout=60, **kwargs)
    response.raise_for_status()
    return response.json()


def step_counts(app: Any, lms_url: str, path_id: int, client_id: str) -> dict[str, int]:
    """Per the demo LMS: (line item, person) pairs holding a grade, duplicates received."""
    import sqlalchemy as sa

    from lti_tool.extensions import db
    from lti_tool.learning.models import Step

    with app.app_context():
        public_ids = db.session.scalars(sa.select(Step.public_id).filter_by(path_id=path_id)).all()
    delivered = duplicates = 0
    for public_id in public_ids:
        counts = lms(
            lms_url,
            "GET",
            "score-counts",
            params={"course": CONTEXT_ID, "client_id": client_id, "resource_id": public_id},
        )
        delivered += sum(1 for c in counts["counts"] if c["applied"] >= 1)
        duplicates += counts["totals"]["duplicates"]
    return {"delivered": delivered, "duplicates": duplicates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument(
        "--runs", default="clean,faulty", help="which runs, comma-separated (clean,faulty)"
    )
    args = parser.parse_args()
    runs = [r for r in ("clean", "faulty") if r in args.runs.split(",")]
    completions = args.people * args.steps
    with (
        tempfile.TemporaryDirectory(prefix="reciprocal-passback-bench-") as tmp,
        demo_lms_and_tool(Path(tmp), args.people + 1, args.database) as (env, lms_url),
    ):
        from lti_tool import create_app

        app = create_app()
        setup = build_programs(app, lms_url, args.people, args.steps)
        client = {"client_id": setup["client_id"]}
        result: dict[str, Any] = {"completions": completions}
        for name in runs:
            program = setup[name]
            started = time.perf_counter()
            made = record_completions(app, program["path_id"], program["pair_ids"])
            print(
                f"  {name}: {made:,} completions recorded in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            tokens_before = lms(lms_url, "GET", "token-counts", params=client)["issued"]
            if name == "faulty":
                lms(
                    lms_url,
                    "PUT",
                    "ags-faults",
                    json={"faults": FAULTS, "seed": 9, "slow_seconds": TIMEOUT_SECONDS + 1},
                )
            seconds, kills = drain_run(
                app,
                env,
                program["path_id"],
                kill_after_sent=completions // 3 if name == "faulty" else None,
            )
            lms(lms_url, "DELETE", "ags-faults")
            tokens = lms(lms_url, "GET", "token-counts", params=client)["issued"] - tokens_before
            counts = step_counts(app, lms_url, program["path_id"], setup["client_id"])
            print(
                f"  {name}: drained in {seconds:.1f} s, {tokens} token request(s), {counts}",
                file=sys.stderr,
            )
            if name == "clean":
                result["clean"] = {"seconds": round(seconds, 1), "token_requests": tokens}
            else:
                result["faulty"] = {
                    "seconds": round(seconds, 1),
                    "fault_share": 0.3,
                    "worker_kills": kills,
                    "delivered": counts["delivered"],
                    "duplicates": counts["duplicates"],
                    "lost": completions - counts["delivered"],
                }
        with app.app_context():
            from lti_tool.extensions import db

            db.engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
