"""What the benchmarks share: a free loopback port, waiting for a server, and gunicorn run
with the tool's production settings (config/gunicorn.conf.py) and no access log — the same
helper the tests use (``tests/support/gunicorn.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/<name>.py`
    sys.path.insert(0, str(ROOT))

from tests.support.gunicorn import (  # noqa: E402
    BIN,
    Served,
    free_port,
    gunicorn_served,
    wait_until_up,
)

__all__ = [
    "BIN",
    "ROOT",
    "Served",
    "flask",
    "free_port",
    "gunicorn",
    "gunicorn_served",
    "wait_until_up",
]


def flask(env: dict[str, str], *args: str) -> str:
    """Run ``flask <args>`` of the tool with ``env`` over this environment; its output."""
    done = subprocess.run(
        [str(BIN / "flask"), *args],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@contextmanager
def gunicorn(
    app: str,
    port: int,
    env: dict[str, str],
    workers: int = 2,
    cwd: Path = ROOT,
    ready_path: str = "/healthz",
) -> Iterator[Served]:
    """``app`` under gunicorn on 127.0.0.1:``port`` with ``workers`` threaded workers, once it
    answers ``ready_path`` (with any status)."""
    with gunicorn_served(
        env,
        app=app,
        port=port,
        workers=workers,
        cwd=cwd,
        ready_path=ready_path,
        ready_any_status=True,
    ) as served:
        yield served
