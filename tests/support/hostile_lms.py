"""A hostile (or merely independent) LTI platform over real HTTP, for registration tests.

It runs on its own loopback port with its own RSA key and serves an OpenID configuration, a
JWKS and a registration endpoint whose answer (client id, deployment id, status) the test
chooses. Every request it receives is recorded, so a test can prove the tool never called it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
GRANTED = (
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly "
    "https://purl.imsglobal.org/spec/lti-ags/scope/score"
)


@dataclass
class HostileLms:
    base_url: str = ""
    issuer: str = ""  # defaults to base_url
    client_id: str = "hostile-client"
    deployment_id: str = "1"
    registration_status: int = 200
    jwks_uri: str = ""  # defaults to its own /jwks
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = "hostile-key"
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def config_url(self) -> str:
        return f"{self.base_url}/.well-known/openid-configuration"

    def registration_token(self, scope: str = "reg", **claims: Any) -> str:
        now = int(time.time())
        return jwt.encode(
            {"sub": "1", "scope": scope, "iat": now, "exp": now + 3600, **claims},
            self.key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )

    def jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def posts(self) -> list[str]:
        return [path for method, path in self.requests if method == "POST"]

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append((request.method, request.path))
        if request.path == "/.well-known/openid-configuration":
            body: Any = {
                "issuer": self.issuer or self.base_url,
                "authorization_endpoint": f"{self.base_url}/auth",
                "token_endpoint": f"{self.base_url}/token",
                "jwks_uri": self.jwks_uri or f"{self.base_url}/jwks",
                "registration_endpoint": f"{self.base_url}/register",
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "hostile"
                },
            }
        elif request.path == "/jwks":
            body = self.jwks()
        elif request.path == "/register" and request.method == "POST":
            if self.registration_status != 200:
                return Response("registration refused", status=self.registration_status)(
                    environ, start_response
                )
            body = {
                **json.loads(request.get_data(as_text=True)),
                "client_id": self.client_id,
                "scope": GRANTED,
                TOOL_CONFIG: {"deployment_id": self.deployment_id},
            }
        else:
            return Response("not found", status=404)(environ, start_response)
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)


@contextmanager
def running(lms: HostileLms) -> Iterator[HostileLms]:
    server = make_server("127.0.0.1", 0, lms, threaded=True)
    lms.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="hostile-lms", daemon=True)
    thread.start()
    try:
        yield lms
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
