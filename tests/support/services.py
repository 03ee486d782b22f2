"""The services some tests need — PostgreSQL, Redis, nginx: skipped when missing, and failed
under ``CI=true`` (CI installs or starts them: ``make nginx services``)."""

from __future__ import annotations

import os
import shutil

import pytest
import redis
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(message: str) -> None:
    """A service this test needs is missing: fail under CI, skip elsewhere."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def postgres_url() -> str:
    """The PostgreSQL server of the run (TEST_DATABASE_URL when it is one)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    url = url if url.startswith("postgresql") else POSTGRES_URL
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        missing(f"PostgreSQL is not reachable at {url}: {exc}")
    return url


def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        missing(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def nginx_binary() -> str:
    if not os.access(NGINX, os.X_OK):
        missing("nginx is not installed (apt-get install nginx-light; `make nginx` does it)")
    return NGINX
