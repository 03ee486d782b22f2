"""The production topology on this machine: nginx terminating TLS in front of two gunicorn
servers, two ``flask worker`` processes, one PostgreSQL database and one Redis.

The tool's public address is ``https://127.0.0.1:<nginx port>`` (``TOOL_BASE_URL``); the
demo LMS, served by the same app for the host ``localhost``, is reached directly on web-1 over
plain HTTP, as an LMS elsewhere would be. nginx adds ``X-Served-By`` (the upstream that
answered) so tests can tell which server handled a request. Each run has its own database,
queue name and rate-limit prefix, so parallel runs sharing Redis never meet.
"""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.databases import throwaway_database
from tests.support.gunicorn import BIN, ROOT, Served, free_port, gunicorn_served, server_env
from tests.support.gunicorn import stop as stop_process
from tests.support.nginx import Nginx, nginx_proxy, self_signed_certificate
from tests.support.services import nginx_binary, postgres_url, redis_url

# -- workers ----------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log_path: Path

    def logged(self) -> str:
        return self.log_path.read_text()


@contextmanager
def flask_worker(name: str, env: dict[str, str], log_path: Path) -> Iterator[Worker]:
    """``flask worker`` (the Huey consumer, periodic jobs on) with ``env``."""
    with log_path.open("a") as log:
        process = subprocess.Popen(
            [str(BIN / "flask"), "worker"],
            env=server_env(env),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield Worker(name, process, log_path)
        finally:
            stop_process(process)


# -- the site ---------------------------------------------------------------------------------


@dataclass
class Site:
    tool_url: str  # the public https address (nginx), or web-1 without nginx
    lms_url: str  # the demo LMS, on web-1
    database_url: str
    env: dict[str, str]
    webs: list[Served]
    workers: list[Worker]
    nginx: Nginx | None
    ca_file: Path | None
    client_id: str = ""
    processes: dict[str, int] = field(default_factory=dict)  # name → pid, for RSS

    def session(self) -> requests.Session:
        """A browser's HTTP session that trusts the site's certificate."""
        session = requests.Session()
        if self.ca_file:
            session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
            session.verify = str(self.ca_file)
        return session

    def logs(self) -> str:
        parts = [w.logged() for w in self.webs] + [w.logged() for w in self.workers]
        if self.nginx:
            parts.append(self.nginx.error_log())
        return "\n".join(parts)


def site_env(database_url: str, queue_url: str, tool_url: str, ca_file: Path | None) -> dict:
    run = secrets.token_hex(4)
    env = {
        "RECIPROCAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(16),
        "ADMIN_SECRET": "topology-admin",
        "DATABASE_URL": database_url,
        "QUEUE_URL": queue_url,
        "HUEY_NAME": f"reciprocal-test-{run}",
        "RATELIMIT_STORAGE_URI": queue_url,
        "RATELIMIT_KEY_PREFIX": f"reciprocal-test-{run}",
        "TOOL_BASE_URL": tool_url,
        "PROXY_FIX_HOPS": "1",
        "DEMO_LMS_ENABLED": "1",
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "LOG_LEVEL": "INFO",
        "HUEY_WORKERS": "2",
    }
    if ca_file:
        # The demo LMS calls the tool over https: with requests, and urllib (PyJWKClient).
        env["REQUESTS_CA_BUNDLE"] = env["SSL_CERT_FILE"] = str(ca_file)
    return env


@contextmanager
def production_site(
    tmp: Path, *, use_nginx: bool = True, workers: int = 2, threads: int = 4
) -> Iterator[Site]:
    """The whole topology, seeded, with the tool registered in the demo LMS's spec flavour."""
    from flask_migrate import upgrade

    from lti_tool import create_app
    from lti_tool.demo_lms.registration import register_tool
    from lti_tool.demo_lms.seed import seed_demo
    from lti_tool.extensions import db
    from lti_tool.platforms.invites import invite_url, mint_invite

    pg, queue = postgres_url(), redis_url()
    if use_nginx:
        nginx_binary()
    # Ports are picked first: TOOL_BASE_URL names nginx's before anything starts.
    web_ports, nginx_port = [free_port(), free_port()], free_port()
    with ExitStack() as stack:
        database_url = stack.enter_context(throwaway_database(tmp, pg))
        ca_file = key_file = None
        if use_nginx:
            ca_file, key_file = self_signed_certificate(tmp)
        tool_url = (
            f"https://127.0.0.1:{nginx_port}" if use_nginx else f"http://127.0.0.1:{web_ports[0]}"
        )
        lms_url = f"http://localhost:{web_ports[0]}"
        env = site_env(database_url, queue, tool_url, ca_file)
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
        with app.app_context():
            upgrade()
            seed_demo(tool_url, lms_url)
            register_url = invite_url(
                f"{tool_url}/lti/register",
                mint_invite(actor="tests", ttl=dt.timedelta(hours=1)).token,
            )
            db.session.commit()
            db.engine.dispose()
        webs = [
            stack.enter_context(
                gunicorn_served(
                    env,
                    port=port,
                    workers=2,
                    threads=threads,
                    log_path=tmp / f"web-{i}.log",
                    log_level="info",
                )
            )
            for i, port in enumerate(web_ports, start=1)
        ]
        proxy = None
        if use_nginx:
            proxy = stack.enter_context(nginx_proxy(web_ports, ca_file, key_file, port=nginx_port))
        site = Site(tool_url, lms_url, database_url, env, webs, [], proxy, ca_file)
        registration = register_tool(lms_url, "spec", register_url, session=site.session())
        site.client_id = registration.client_id
        second = dt.datetime.now().second
        if second > 45:  # workers that start in one minute check the same minute's schedule
            time.sleep(61 - second)
        for i in range(1, workers + 1):
            worker = stack.enter_context(flask_worker(f"worker-{i}", env, tmp / f"worker-{i}.log"))
            site.workers.append(worker)
        for i, web in enumerate(webs, start=1):
            site.processes[f"web-{i}"] = web.process.pid
        for worker in site.workers:
            site.processes[worker.name] = worker.process.pid
        yield site


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its children (a gunicorn master and workers)."""
    total = 0
    for each in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        for task in tasks:
            text = (task / "children").read_text().split()
            for child in map(int, text):
                found += [child, *_children(child)]
    except OSError:
        pass
    return found
