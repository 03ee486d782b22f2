"""Expired launch states and sessions are deleted by a scheduled job, not by logins."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.queue import jobs_of
from lti_tool.lti.models import LaunchState
from lti_tool.lti.tasks import purge_expired_launches
from lti_tool.platforms.models import Platform
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Person


@pytest.fixture
def platform(app: Flask) -> Iterator[Platform]:
    with app.app_context():
        issuer = f"https://purge-{secrets.token_hex(4)}.example"
        platform = Platform(
            name="Purge LMS",
            issuer=issuer,
            client_id="c",
            auth_login_url="https://x/login",
            auth_token_url="https://x/token",
            key_set_url="https://x/jwks",
        )
        db.session.add(platform)
        db.session.commit()
        yield platform
        db.session.rollback()
        db.session.execute(sa.delete(Platform).where(Platform.id == platform.id))
        db.session.execute(sa.delete(Person).where(Person.issuer == issuer))
        db.session.commit()


def state(platform: Platform, age: dt.timedelta) -> LaunchState:
    return LaunchState(
        state=secrets.token_urlsafe(16),
        nonce=secrets.token_urlsafe(16),
        platform=platform,
        browser_binding="b",
        user_agent_hash="u",
        created_at=utcnow() - age,
    )


def session(platform: Platform, person: Person, expires_in: dt.timedelta) -> LaunchSession:
    return LaunchSession(
        id=secrets.token_urlsafe(16),
        platform=platform,
        deployment_id="d",
        person=person,
        message_type="LtiResourceLinkRequest",
        expires_at=utcnow() + expires_in,
    )


def test_the_job_deletes_only_what_has_expired(app: Flask, platform: Platform) -> None:
    ttl = app.config["LAUNCH_STATE_TTL_SECONDS"]
    person = Person(issuer=platform.issuer, sub="purged")
    old_state, new_state = (
        state(platform, dt.timedelta(seconds=ttl + 60)),
        state(platform, dt.timedelta(seconds=5)),
    )
    old_session, new_session = (
        session(platform, person, dt.timedelta(minutes=-1)),
        session(platform, person, dt.timedelta(hours=1)),
    )
    db.session.add_all([old_state, new_state, old_session, new_session])
    db.session.commit()
    ids = (old_state.state, new_state.state, old_session.id, new_session.id)

    purge_expired_launches()

    db.session.expire_all()
    assert db.session.get(LaunchState, ids[0]) is None
    assert db.session.get(LaunchState, ids[1]) is not None
    assert db.session.get(LaunchSession, ids[2]) is None
    assert db.session.get(LaunchSession, ids[3]) is not None


def test_the_job_runs_every_quarter_hour(app: Flask) -> None:
    huey = jobs_of(app).huey
    name = jobs_of(app).tasks[purge_expired_launches.name].name

    def due(minute: int) -> bool:
        return name in {t.name for t in huey.read_periodic(dt.datetime(2026, 3, 2, 10, minute))}

    assert due(0) and due(15) and due(45) and not due(7)
