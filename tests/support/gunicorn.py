"""Serving the tool the way production does: gunicorn with ``config/gunicorn.conf.py`` on a free
loopback port, started and waited for in one call. Tests and ``bench/`` share it.

    with gunicorn_served({"DATABASE_URL": url}, workers=2, log_path=tmp / "web.log") as web:
        requests.get(f"{web.url}/healthz")
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOOL_APP = "lti_tool:create_app()"


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(
    url: str,
    timeout: float = 30,
    *,
    any_status: bool = False,
    process: subprocess.Popen | None = None,
    verify: bool | str = True,
) -> None:
    """Return once ``url`` answers 200 (any status with ``any_status``).

    :raise AssertionError: it did not within ``timeout`` seconds, or ``process`` exited.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server of {url} exited with {process.returncode}")
        try:
            answer = requests.get(url, timeout=2, verify=verify)
            if any_status or answer.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up within {timeout:.0f} s")


@dataclass
class Served:
    """A running gunicorn: its base URL (``http://127.0.0.1:<port>``), process and log."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path | None

    def logged(self) -> str:
        return self.log_path.read_text() if self.log_path else ""


def server_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment a served tool gets: this one, no demo self-registration, no access log
    (unless ``env`` says otherwise), then ``env``."""
    return {
        **os.environ,
        "FLASK_APP": "lti_tool",
        "GUNICORN_ACCESS_LOG": "",
        "TOOL_URL": "",
        "LMS_URL": "",
        **env,
    }


@contextmanager
def gunicorn_served(
    env: Mapping[str, str],
    *,
    app: str = TOOL_APP,
    port: int | None = None,
    workers: int = 2,
    threads: int | None = None,
    log_path: Path | None = None,
    log_level: str = "warning",
    ready_path: str = "/healthz",
    ready_host: str = "127.0.0.1",
    ready_any_status: bool = False,
    stop_signal: int = signal.SIGTERM,
    cwd: Path = ROOT,
    timeout: float = 60,
) -> Iterator[Served]:
    """``app`` under gunicorn on 127.0.0.1:``port`` (a free one by default), with the
    project's configuration and ``workers`` threaded workers; yields once
    ``http://<ready_host>:<port><ready_path>`` answers. stdout and stderr go to ``log_path``
    (or are inherited). Stopped with ``stop_signal`` on the way out."""
    port = port or free_port()
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(ROOT / "config" / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        log_level,
    ]
    if threads is not None:
        command += ["--threads", str(threads)]
    log = log_path.open("a") if log_path else None
    process = subprocess.Popen(
        [*command, app],
        env=server_env(env),
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    served = Served(f"http://127.0.0.1:{port}", port, process, log_path)
    try:
        wait_until_up(
            f"http://{ready_host}:{port}{ready_path}",
            timeout,
            any_status=ready_any_status,
            process=process,
        )
        yield served
    finally:
        stop(process, stop_signal)
        if log:
            log.close()


def stop(process: subprocess.Popen, stop_signal: int = signal.SIGTERM) -> None:
    """Stop a server we started, killing it if it has not gone within 30 s."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
