"""Rate limits on the anonymous LTI endpoints, over HTTP; memory and Redis storage."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
import redis
import requests
from flask import Flask
from limits import parse_many

from config.settings import BaseConfig
from lti_tool import create_app
from lti_tool.extensions import db
from tests.support.live_server import LiveServer

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def fresh_limits(app: Flask) -> Iterator[None]:
    app.extensions["reciprocal.limiter"].reset()
    yield
    app.extensions["reciprocal.limiter"].reset()


@pytest.mark.parametrize(
    ("path", "setting"),
    [
        ("/lti/register", "RATELIMIT_REGISTRATION"),
        ("/lti/login", "RATELIMIT_LAUNCH"),
        ("/lti/canvas.json", "RATELIMIT_PUBLIC"),
        ("/.well-known/jwks.json", "RATELIMIT_PUBLIC"),
    ],
)
def test_anonymous_endpoints_answer_429_past_their_limit(
    live_server: LiveServer,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    fresh_limits: None,
    path: str,
    setting: str,
) -> None:
    monkeypatch.setitem(app.config, setting, "3 per minute")
    url = live_server.tool_url + path
    for _ in range(3):
        assert requests.get(url, timeout=10).status_code != 429
    page = requests.get(url, timeout=10)
    assert page.status_code == 429
    assert 0 < int(page.headers["Retry-After"]) <= 60
    assert "Too many requests" in page.text and "3 per 1 minute" in page.text
    as_json = requests.get(url, headers={"Accept": "application/json"}, timeout=10)
    assert as_json.status_code == 429 and "Retry-After" in as_json.headers
    assert as_json.json()["error"] == "Too many requests"


def test_launch_post_is_limited(
    live_server: LiveServer, app: Flask, monkeypatch: pytest.MonkeyPatch, fresh_limits: None
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_LAUNCH", "2 per minute")
    url = f"{live_server.tool_url}/lti/launch"
    assert [requests.post(url, data={}, timeout=10).status_code for _ in range(3)] == [
        400,
        400,
        429,
    ]


def test_default_limits_let_a_whole_institution_start_class(
    client, app: Flask, fresh_limits: None
) -> None:
    """1,000 people behind one NAT address open the activity in the same minute: login and
    launch each get one request a person, and nobody meets a 429."""
    per_minute = min(
        item.amount * 60 / item.get_expiry() for item in parse_many(BaseConfig.RATELIMIT_LAUNCH)
    )
    assert per_minute >= 2000
    assert app.config["RATELIMIT_LAUNCH"] == BaseConfig.RATELIMIT_LAUNCH
    statuses = {client.post("/lti/login", data={}).status_code for _ in range(1000)}
    assert 429 not in statuses


def test_limits_can_be_switched_off_for_load_tests(database_url: str) -> None:
    """``RATELIMIT_ENABLED=0`` (what bench/launch.py sets) rather than exempting loopback."""
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "DEMO_LMS_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_PUBLIC": "1 per minute",
        }
    )
    client = app.test_client()
    assert {client.get("/lti/canvas.json").status_code for _ in range(5)} == {200}


def redis_available() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")


@pytest.mark.redis
def test_redis_storage_is_shared_by_every_process(database_url: str) -> None:
    """With RATELIMIT_STORAGE_URI on Redis, two apps (two workers) share one count."""
    redis_available()
    prefix = f"reciprocal-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEMO_LMS_ENABLED": False,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    apps = [create_app(settings) for _ in range(2)]
    workers = [app.test_client() for app in apps]
    store = redis.Redis.from_url(REDIS_URL)
    try:
        page = workers[0].get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        for n in range(6):
            worker = workers[n % 2]
            worker.set_cookie(
                "session",
                workers[0].get_cookie("session").value,  # type: ignore[union-attr]
                domain="localhost",
            )
            answer = worker.post("/admin/login", data={"secret": f"guess-{n}", "csrf_token": token})
            assert answer.status_code == (401 if n < 5 else 429)
        assert list(store.scan_iter(f"*{prefix}*"))
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        for app in apps:  # a refused sign-in is audited: each app opened a connection
            with app.app_context():
                db.engine.dispose()
