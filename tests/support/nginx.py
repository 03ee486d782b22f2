"""nginx terminating TLS in front of the tool's servers, the way a site runs it: its own
configuration and self-signed certificate in a fresh directory, started unprivileged on a free
port. It adds ``X-Served-By`` (the upstream that answered) so tests can tell the servers apart.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support.gunicorn import free_port
from tests.support.gunicorn import stop as stop_process
from tests.support.services import nginx_binary

NOBODY = 65534


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
        keepalive_timeout 60s;
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
