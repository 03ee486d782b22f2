"""Benchmark: complete LTI launches per second and latency, Reciprocal vs a pylti1p3-README tool.

A complete launch is what a browser does: login initiation (POST to the tool) → authorization
at the platform (the tool's redirect is followed and the platform signs an id_token) → the
id_token post → the page the tool lands on. Several virtual browsers (separate processes) run
launches back to back for a fixed time against each tool, both served by gunicorn with 2
workers on loopback. The platform is this script: it signs id_tokens with its own RSA key and
serves its JWKS over HTTP.

Prints a table, then a final JSON line:
{"concurrency": 4, "reciprocal": {...}, "pylti1p3_baseline": {...}, "ratio": 6.1}

Usage: python bench/launch.py [--seconds 15] [--concurrency 4] [--workers 2]
                              [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from serving import BIN, ROOT, free_port, gunicorn

ISSUER = "https://bench-platform.example"
CLIENT_ID = "bench-client"
DEPLOYMENT_ID = "1"
KID = "bench-platform-key"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
USERS = 20


# -- the platform ---------------------------------------------------------------------------


def b64u_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def serve_jwks(public_key: rsa.RSAPublicKey) -> ThreadingHTTPServer:
    numbers = public_key.public_numbers()
    body = json.dumps(
        {
            "keys": [
                {
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "kid": KID,
                    "n": b64u_uint(numbers.n),
                    "e": b64u_uint(numbers.e),
                }
            ]
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=3600")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def sign_id_token(private_key: rsa.RSAPrivateKey, auth: dict[str, str], user: int) -> str:
    """What the platform's authorization endpoint does once it has checked the request."""
    assert auth["client_id"] == CLIENT_ID and auth["response_mode"] == "form_post"
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": f"user-{user}",
        "iat": now,
        "exp": now + 60,
        "nonce": auth["nonce"],
        "name": f"Bench User {user}",
        "given_name": "Bench",
        "family_name": f"User {user}",
        "email": f"user{user}@bench.example",
        CLAIM + "deployment_id": DEPLOYMENT_ID,
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": "1.3.0",
        CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        CLAIM + "resource_link": {"id": "rl-1", "title": "Reverse mentoring"},
        CLAIM + "context": {"id": "course-1", "title": "Reverse Mentoring Pilot"},
        CLAIM + "target_link_uri": auth["redirect_uri"],
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": KID})


# -- the tools under test -------------------------------------------------------------------


@contextmanager
def database(tmp: Path, kind: str):
    """A fresh SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'reciprocal.sqlite3'}"
        return
    import sqlalchemy as sa

    server = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    name = f"reciprocal_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def reciprocal_tool(tmp: Path, jwks_url: str, workers: int, db_kind: str):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        database(tmp, db_kind) as url,
        _reciprocal(tmp, url, base, port, jwks_url, workers) as urls,
    ):
        yield urls


@contextmanager
def _reciprocal(tmp: Path, db_url: str, base: str, port: int, jwks_url: str, workers: int):
    env = {
        "RECIPROCAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(16),
        "DATABASE_URL": db_url,
        "TOOL_BASE_URL": base,
        "LOG_LEVEL": "WARNING",
        "FLASK_APP": "lti_tool",
        # The load comes from one address and the platform's JWKS is on loopback: switch the
        # per-address rate limits off and allow loopback calls (README, "Outbound calls").
        "RATELIMIT_ENABLED": "0",
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    flask = [str(BIN / "flask")]
    for args in (
        ["db", "upgrade"],
        ["keys", "ensure"],
        [
            "platforms",
            "add",
            "--name",
            "Bench",
            "--issuer",
            ISSUER,
            "--client-id",
            CLIENT_ID,
            "--auth-url",
            "https://bench-platform.example/auth",
            "--token-url",
            "https://bench-platform.example/token",
            "--jwks-url",
            jwks_url,
            "--deployment-id",
            DEPLOYMENT_ID,
        ],
    ):
        subprocess.run(
            flask + args, env={**os.environ, **env}, cwd=ROOT, check=True, capture_output=True
        )
    with gunicorn("lti_tool:create_app()", port, env, workers):
        yield {"login": base + "/lti/login", "launch": base + "/lti/launch"}


@contextmanager
def baseline_tool(tmp: Path, jwks_url: str, workers: int, db_kind: str):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp / "private.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp / "public.key").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    conf = {
        ISSUER: [
            {
                "default": True,
                "client_id": CLIENT_ID,
                "auth_login_url": "https://bench-platform.example/auth",
                "auth_token_url": "https://bench-platform.example/token",
                "key_set_url": jwks_url,
                "key_set": None,
                "private_key_file": str(tmp / "private.key"),
                "public_key_file": str(tmp / "public.key"),
                "deployment_ids": [DEPLOYMENT_ID],
            }
        ]
    }
    (tmp / "tool.json").write_text(json.dumps(conf))
    env = {"BASELINE_TOOL_CONF": str(tmp / "tool.json"), "BASELINE_CACHE_DIR": str(tmp / "cache")}
    with gunicorn("bench.pylti1p3_baseline.app:app", port, env, workers, ROOT, ready_path="/"):
        yield {"login": base + "/login/", "launch": base + "/launch/"}


# -- virtual browsers -----------------------------------------------------------------------

_private_key: rsa.RSAPrivateKey | None = None


def _init_browser(pem: bytes) -> None:
    global _private_key
    _private_key = serialization.load_pem_private_key(pem, password=None)  # type: ignore


class Browser:
    """A lean browser for the load: keep-alive connections per host and a cookie jar, on
    http.client — `requests` costs several milliseconds of CPU per launch, which on this
    2-core machine would be taken from the tools being measured."""

    def __init__(self, name: str) -> None:
        self.headers = {"User-Agent": f"bench-browser/{name}", "Accept": "text/html"}
        self.connections: dict[str, http.client.HTTPConnection] = {}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, form: dict[str, str] | None = None):
        parts = urlsplit(url)
        connection = self.connections.get(parts.netloc)
        if connection is None:
            connection = http.client.HTTPConnection(parts.netloc, timeout=10)
            self.connections[parts.netloc] = connection
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
        except (http.client.HTTPException, OSError):
            connection.close()  # the server closed a kept-alive connection: retry once
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
        payload = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in rest.lower() or "expires=thu, 01 jan 1970" in rest.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers, payload.decode("utf-8", "replace")


def one_launch(browser: Browser, urls: dict[str, str], user: int) -> None:
    status, headers, _ = browser.request(
        "POST",
        urls["login"],
        {
            "iss": ISSUER,
            "login_hint": f"user-{user}",
            "target_link_uri": urls["launch"],
            "lti_message_hint": secrets.token_hex(8),
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        },
    )
    if status != 302:
        raise RuntimeError(f"login answered {status}")
    auth = {k: v[0] for k, v in parse_qs(urlsplit(headers["Location"]).query).items()}
    assert _private_key is not None
    id_token = sign_id_token(_private_key, auth, user)
    status, headers, page = browser.request(
        "POST", urls["launch"], {"id_token": id_token, "state": auth["state"]}
    )
    if status in (302, 303):  # the tool's redirect to its landing page
        status, headers, page = browser.request("GET", urljoin(urls["launch"], headers["Location"]))
    if status != 200 or f"Bench User {user}" not in page:
        raise RuntimeError(f"launch answered {status}: {page[:200]!r}")


def browse(args: tuple[dict[str, str], float, int]) -> tuple[list[float], int, float]:
    urls, seconds, name = args
    browser = Browser(str(name))
    latencies: list[float] = []
    errors = 0
    cpu_started = time.process_time()
    deadline = time.monotonic() + seconds
    n = name
    while time.monotonic() < deadline:
        n += 1
        browser.cookies.clear()  # each launch is a new visitor; connections are kept alive
        started = time.perf_counter()
        try:
            one_launch(browser, urls, n % USERS)
        except Exception as exc:  # counted and reported, never hidden
            errors += 1
            if errors <= 3:
                print(f"  browser {name}: {exc}", file=sys.stderr)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, errors, time.process_time() - cpu_started


def measure(pool: mp.pool.Pool, urls: dict[str, str], seconds: float, concurrency: int) -> dict:
    # Warm-up: the first launches on the fresh database create the course and the people
    # together (concurrent first launches); their errors are reported too.
    warm_up = pool.map(browse, [(urls, 1.5, i) for i in range(concurrency)])
    started = time.perf_counter()
    results = pool.map(browse, [(urls, seconds, i) for i in range(concurrency)])
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _, _ in results for x in lat)
    errors = sum(e for _, e, _ in results)
    browser_cpu = sum(cpu for _, _, cpu in results)
    if not latencies:
        raise RuntimeError("no launch succeeded")
    return {
        "launches": len(latencies),
        "errors": errors,
        "warm_up_errors": sum(e for _, e, _ in warm_up),
        "launches_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        # CPU the virtual browsers and the platform's signing used, per launch: on a 2-core
        # machine it competes with the tool for the same cores.
        "browser_cpu_ms_per_launch": round(browser_cpu * 1000 / len(latencies), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the tool's database (the baseline keeps its filesystem cache)",
    )
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    jwks = serve_jwks(key.public_key())
    jwks_url = f"http://127.0.0.1:{jwks.server_port}/jwks"
    figures: dict[str, dict] = {}
    with mp.get_context("fork").Pool(args.concurrency, _init_browser, (pem,)) as pool:
        for name, tool in (("reciprocal", reciprocal_tool), ("pylti1p3_baseline", baseline_tool)):
            with (
                tempfile.TemporaryDirectory() as tmp,
                tool(Path(tmp), jwks_url, args.workers, args.database) as urls,
            ):
                figures[name] = measure(pool, urls, args.seconds, args.concurrency)
            print(f"{name:>18}: {figures[name]}", file=sys.stderr)
    jwks.shutdown()
    ratio = figures["reciprocal"]["launches_per_s"] / figures["pylti1p3_baseline"]["launches_per_s"]
    print(
        json.dumps(
            {
                "concurrency": args.concurrency,
                "workers": args.workers,
                "database": args.database,
                "seconds": args.seconds,
                **figures,
                "ratio": round(ratio, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
