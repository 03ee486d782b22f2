"""Private PostgreSQL and Redis servers for fault tests: started, stopped and restarted at will.

The machine's shared PostgreSQL (5432) and Redis (6379) serve every test run at once, so a
fault test never touches them: it starts its own throwaway cluster (``initdb`` + ``pg_ctl`` in
a temporary directory) and its own ``redis-server``, each on a free loopback port, and stops
or kills those. Under ``CI=true`` a missing server binary fails the test instead of skipping.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(what: str) -> None:
    """Skip the test — or fail it in CI, where every server must be installed."""
    if IN_CI:
        pytest.fail(f"{what} is not installed: CI needs it for the fault tests")
    pytest.skip(f"{what} is not installed")


def wait_for_port(port: int, *, up: bool, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            listening = s.connect_ex(("127.0.0.1", port)) == 0
        if listening == up:
            return
        time.sleep(0.05)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


# -- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own: trust auth, user ``postgres``, 127.0.0.1 only."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.data, self.log = root / "data", root / "server.log"
        self.initdb, self.pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            missing("PostgreSQL's server (initdb, pg_ctl)")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if result.returncode != 0:
            raise AssertionError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )
        wait_for_port(self.port, up=True)

    def stop(self, mode: str = "fast") -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")
        wait_for_port(self.port, up=False)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private cluster, stopped and deleted afterwards."""
    # Not pytest's tmp_path: its parents are private to root, the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="reciprocal-pg-"))
    server = PrivatePostgres(root, free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            if server.data.joinpath("postmaster.pid").exists():
                server.stop("immediate")
        finally:
            shutil.rmtree(root, ignore_errors=True)


# -- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of its own that keeps nothing on disk."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.binary = shutil.which("redis-server")
        if not self.binary:
            missing("redis-server")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.root / "redis.log").open("a")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, up=True)

    def stop(self) -> None:
        """Kill it (its queued messages are gone, as after a crash)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        wait_for_port(self.port, up=False)


@contextmanager
def private_redis(root: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(root, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
