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
import ipaddress
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support.databases import throwaway_database
from tests.support.gunicorn import BIN, ROOT, Served, free_port, gunicorn_served, server_env
from tests.support.gunicorn import stop as stop_process

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NOBODY = 65534


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


# -- TLS and nginx ----------------------------------------------------------------------------


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (and localhost), valid for a day: (cert.pem, key.pem)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    upstream reciprocal {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name _;
        ssl_certificate {prefix}/cert.pem;
        ssl_certificate_key {prefix}/key.pem;
        client_max_body_size 10m;
        location / {{
            proxy_pass http://reciprocal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header X-Request-ID $request_id;
            add_header X-Served-By $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    url: str  # https://127.0.0.1:<port>
    prefix: Path
    process: subprocess.Popen

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""


@contextmanager
def nginx_proxy(
    upstream_ports: list[int], cert: Path, key: Path, port: int | None = None
) -> Iterator[Nginx]:
    """nginx, as a non-root process with its own prefix directory, terminating TLS on
    ``port`` (a free one by default) and balancing over ``upstream_ports``."""
    binary = nginx_binary()
    prefix = Path(tempfile.mkdtemp(prefix="reciprocal-nginx-"))
    port = port or free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
    (prefix / "nginx.conf").write_text(NGINX_CONF.format(prefix=prefix, servers=servers, port=port))
    shutil.copy(cert, prefix / "cert.pem")
    shutil.copy(key, prefix / "key.pem")
    as_root = os.geteuid() == 0
    if as_root:  # nginx must not run as root: hand it its directory and drop to nobody
        for path in [prefix, *prefix.iterdir()]:
            os.chown(path, NOBODY, NOBODY)
    process = subprocess.Popen(
        [
            binary,
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
        ],
        user=NOBODY if as_root else None,
        group=NOBODY if as_root else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = Nginx(f"https://127.0.0.1:{port}", prefix, process)
    try:
        _wait_for_tls(served, cert)
        yield served
    finally:
        stop_process(process)
        shutil.rmtree(prefix, ignore_errors=True)


def _wait_for_tls(nginx: Nginx, cert: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            raise AssertionError(f"nginx exited: {nginx.error_log()[-2000:]}")
        try:
            requests.get(f"{nginx.url}/healthz", timeout=2, verify=str(cert))
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"nginx did not answer: {nginx.error_log()[-2000:]}")


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
