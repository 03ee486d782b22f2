"""Engine options per database: SQLite's writer lock, PostgreSQL's connect timeout.

A PostgreSQL that is down or restarting must cost a request a clear 503 page within seconds,
not a hang: connections are checked before use (``pool_pre_ping``, so a restart's dead
connections are replaced without restarting the app) and a new connection gives up after
``DATABASE_CONNECT_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from lti_tool.core import sqlite


def engine_options(
    database_uri: str, options: Mapping[str, Any], *, connect_timeout: int
) -> dict[str, Any]:
    """The SQLAlchemy engine options for ``database_uri``."""
    result = sqlite.engine_options(database_uri, options)
    if sa.make_url(database_uri).get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": connect_timeout, **result.get("connect_args", {})}
        result = {"pool_pre_ping": True, **result, "connect_args": connect_args}
    return result
