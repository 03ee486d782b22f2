"""/healthz and /readyz over HTTP: all well, database unreachable or hung, queue unreachable."""

from __future__ import annotations

import socket
import time

import requests
from flask import Flask

from tests.ops.support import closed_port, tool_served
from tests.support.live_server import LiveServer


def test_healthz_answers_alive(live_server: LiveServer) -> None:
    response = requests.get(f"{live_server.tool_url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_asks_nothing_of_the_database() -> None:
    with tool_served(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://x@127.0.0.1:{closed_port()}/x"
    ) as server:
        response = requests.get(f"{server.tool_url}/healthz", timeout=10)
    assert response.status_code == 200


def test_readyz_is_ready_when_all_parts_answer(live_server: LiveServer) -> None:
    response = requests.get(f"{live_server.tool_url}/readyz", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "queue": True,
        "signing_key": True,
    }


def test_readyz_names_an_unreachable_database() -> None:
    url = f"postgresql+psycopg://reciprocal@127.0.0.1:{closed_port()}/reciprocal"
    with tool_served(SQLALCHEMY_DATABASE_URI=url) as server:
        response = requests.get(f"{server.tool_url}/readyz", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert "database" in body["failing"] and "queue" not in body["failing"]
    assert body["checks"]["database"]["error"].startswith("unreachable")
    assert "127.0.0.1" not in response.text  # the public probe shows no addresses


def test_readyz_fails_fast_on_a_hung_database() -> None:
    """A server that accepts connections and never answers: readyz still answers on time."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        url = f"postgresql+psycopg://reciprocal@127.0.0.1:{hung.getsockname()[1]}/reciprocal"
        with tool_served(SQLALCHEMY_DATABASE_URI=url, READY_CHECK_TIMEOUT_SECONDS=0.5) as server:
            start = time.monotonic()
            response = requests.get(f"{server.tool_url}/readyz", timeout=10)
            took = time.monotonic() - start
    assert response.status_code == 503
    assert took < 3, took
    body = response.json()
    assert "database" in body["failing"]
    assert body["checks"]["database"]["error"] == "no answer within 0.5 s"


def test_readyz_names_an_unreachable_queue(database_url: str, app: Flask) -> None:
    """The shared database (migrated by ``app``), a Redis queue on a closed port."""
    with tool_served(
        SQLALCHEMY_DATABASE_URI=database_url, QUEUE_URL=f"redis://127.0.0.1:{closed_port()}/0"
    ) as server:
        response = requests.get(f"{server.tool_url}/readyz", timeout=10)
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["failing"] == ["queue"]
    assert body["checks"]["queue"]["error"].startswith("unreachable")
    assert body["checks"]["database"]["ok"] and body["checks"]["signing_key"]["ok"]
