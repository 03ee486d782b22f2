"""Retries of the one HTTP client and its rate-limit hook, against a real server on loopback
that plays an LMS answering 503 for a while."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from flask import Flask
from urllib3.util import connection

from lti_tool.core.http import OutboundRefused, http_session, set_outbound_limiter
from lti_tool.errors import PlatformServiceError
from tests.support.hostile import Answer, HostileServer, Seen


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


def unavailable(times: int, status: int = 503, **headers: str) -> Callable[..., Answer]:
    """An LMS that answers ``status`` to the first ``times`` requests, then 200."""

    def answer(seen: Seen, server: HostileServer) -> Answer:
        if len(server.seen) <= times:
            return Answer(status, body="busy, try again", headers=headers)
        return Answer(body='{"ok": true}')

    return answer


@pytest.fixture
def flaky() -> Iterator[HostileServer]:
    server = HostileServer(unavailable(2))
    yield server
    server.stop()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [502, 503, 504])
def test_idempotent_requests_are_retried_until_the_lms_answers(
    ctx: Flask, method: str, status: int
) -> None:
    server = HostileServer(unavailable(2, status))
    try:
        response = http_session().request(method, f"{server.origin}/members", timeout=5)
        assert response.status_code == 200 and response.json() == {"ok": True}
        assert [seen.method for seen in server.seen] == [method] * 3
    finally:
        server.stop()


def test_a_post_is_never_sent_twice(ctx: Flask, flaky: HostileServer) -> None:
    response = http_session().post(f"{flaky.origin}/scores", json={"scoreGiven": 1}, timeout=5)
    assert response.status_code == 503 and response.text == "busy, try again"
    assert len(flaky.seen) == 1


def test_retries_give_up_with_the_last_answer(ctx: Flask) -> None:
    server = HostileServer(unavailable(10))
    try:
        response = http_session().get(f"{server.origin}/members", timeout=5)
        assert response.status_code == 503 and response.text == "busy, try again"
        assert len(server.seen) == 3
    finally:
        server.stop()


def test_retry_after_is_respected(ctx: Flask) -> None:
    server = HostileServer(unavailable(1, 503, **{"Retry-After": "1"}))
    try:
        started = time.monotonic()
        assert http_session().get(f"{server.origin}/", timeout=5).status_code == 200
        assert time.monotonic() - started >= 1 and len(server.seen) == 2
    finally:
        server.stop()


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("retry_after", ["3600", "soon", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_long_retry_after_ends_the_retries(ctx: Flask, status: int, retry_after: str) -> None:
    server = HostileServer(unavailable(1, status, **{"Retry-After": retry_after}))
    try:
        started = time.monotonic()
        assert http_session().get(f"{server.origin}/", timeout=5).status_code == status
        assert time.monotonic() - started < 1 and len(server.seen) == 1
    finally:
        server.stop()


def test_a_retry_is_refused_once_the_address_is_no_longer_allowed(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry opens a new connection through the guard: when the allow-list drops the
    address meanwhile, the retry is refused, not sent."""

    def answer(seen: Seen, server: HostileServer) -> Answer:
        ctx.config["OUTBOUND_ALLOWED_NETWORKS"] = ""
        return Answer(503, body="busy")

    monkeypatch.setitem(ctx.config, "OUTBOUND_ALLOWED_NETWORKS", "127.0.0.1/32")
    server = HostileServer(answer)
    try:
        with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
            http_session().get(f"{server.origin}/", timeout=5)
        assert len(server.seen) == 1
    finally:
        server.stop()


def test_a_refused_address_is_not_retried(ctx: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ctx.config, "OUTBOUND_ALLOWED_NETWORKS", "")
    attempts: list[str] = []

    class Counting:
        def acquire(self, host: str) -> None:
            attempts.append(host)

    set_outbound_limiter(ctx, Counting())
    server = HostileServer(unavailable(0))
    try:
        started = time.monotonic()
        with pytest.raises(OutboundRefused):
            http_session().get(f"{server.origin}/", timeout=5)
        assert time.monotonic() - started < 0.5
        assert server.seen == [] and attempts == ["127.0.0.1"]
    finally:
        set_outbound_limiter(ctx, None)
        server.stop()


def test_connect_errors_are_retried_for_a_get_but_not_a_post(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: every connection is refused
    connects: list[tuple[str, int]] = []
    real = connection.create_connection

    def counting(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        connects.append(address)
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(connection, "create_connection", counting)
    with pytest.raises(requests.ConnectionError):
        http_session().get(f"http://127.0.0.1:{port}/", timeout=5)
    assert len(connects) == 3
    connects.clear()
    with pytest.raises(requests.ConnectionError):
        http_session().post(f"http://127.0.0.1:{port}/", data=b"score", timeout=5)
    assert len(connects) == 1


def test_a_rate_limiter_is_asked_before_each_request(ctx: Flask, flaky: HostileServer) -> None:
    class Refusing:
        def __init__(self) -> None:
            self.hosts: list[str] = []

        def acquire(self, host: str) -> None:
            self.hosts.append(host)
            if len(self.hosts) > 1:
                raise PlatformServiceError(f"rate limit for {host} reached")

    limiter = Refusing()
    set_outbound_limiter(ctx, limiter)
    try:
        assert http_session().get(f"{flaky.origin}/", timeout=5).status_code == 200
        with pytest.raises(PlatformServiceError, match=r"rate limit for 127\.0\.0\.1"):
            http_session().get(f"{flaky.origin}/", timeout=5)
        assert limiter.hosts == ["127.0.0.1", "127.0.0.1"]  # the retries counted as one
        assert len(flaky.seen) == 3
    finally:
        set_outbound_limiter(ctx, None)
