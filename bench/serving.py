"""What the benchmarks share: a free loopback port, waiting for a server, and gunicorn run
with the tool's production settings (config/gunicorn.conf.py) and no access log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def gunicorn(
    app: str, port: int, env: dict[str, str], workers: int = 2, cwd: Path = ROOT
) -> Iterator[subprocess.Popen]:
    """``app`` under gunicorn on 127.0.0.1:``port`` with ``workers`` threaded workers."""
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env={**os.environ, "GUNICORN_ACCESS_LOG": "", "TOOL_URL": "", "LMS_URL": "", **env},
        cwd=cwd,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
