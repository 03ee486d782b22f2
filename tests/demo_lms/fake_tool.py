"""A throwaway LTI tool on its own loopback port, so the demo LMS is tested without the real
tool: it serves a JWKS, answers login initiation with an auth redirect, records what the LMS
posts to its launch URL, and performs Dynamic Registration like a tool does.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from werkzeug.serving import make_server

from lti_tool.demo_lms.flavours import FLAVOURS, SERVICE_SCOPES
from lti_tool.demo_lms.keys import public_jwk
from lti_tool.demo_lms.urls import platform_urls

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


PROBE_PAGE = """<!doctype html><title>probe</title><script>
// As a real tool does: ask for the capabilities until the storage frame answers (it may
// still be loading when this page runs), then put and get.
window.results = [];
var frameName = "TARGET";  // not "name": a global `name` would rename this frame
var asked = null;
window.addEventListener("message", function (e) {
  if (e.data && e.data.subject === "lti.capabilities.response") {
    if (asked === null) { return; }
    clearInterval(asked); asked = null;
    window.results.push(e.data);
    var target = storage();
    target.postMessage({subject: "lti.put_data", message_id: "m2", key: "state-1",
                        value: "nonce-1"}, "*");
    target.postMessage({subject: "lti.get_data", message_id: "m3", key: "state-1"}, "*");
    target.postMessage({subject: "lti.get_data", message_id: "m4", key: "unknown"}, "*");
  } else if (e.data && e.data.message_id !== "m1") {
    window.results.push(e.data);
  }
});
function storage() {
  return frameName === "_parent" ? window.parent : window.parent.frames[frameName];
}
function ask() {
  var target = storage();
  if (target) { target.postMessage({subject: "lti.capabilities", message_id: "m1"}, "*"); }
}
asked = setInterval(ask, 100);
ask();
</script>"""


@dataclass
class FakeTool:
    lms_url: str
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = "fake-tool-1"
    port: int = 0
    # Changes applied to the next registration document (tests of the LMS's validation).
    registration_overrides: dict[str, Any] = field(default_factory=dict)
    # How the registration page closes the LMS's dialog: "button" (the admin clicks Done),
    # "on load" (Moodle closes it before anyone reads it), or "" (never).
    close_message: str = "button"
    # Answer 200 to the registration page even when the LMS refused (a tool bug).
    hide_registration_errors: bool = False
    launches: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- signing ---------------------------------------------------------------------------

    def sign(
        self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None, kid: str | None = None
    ) -> str:
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def client_assertion(self, client_id: str, audience: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            **overrides,
        }
        return self.sign({k: v for k, v in claims.items() if v is not None})

    def token_request(
        self, flavour: str, client_id: str, scopes: list[str] | tuple[str, ...], **overrides: Any
    ) -> requests.Response:
        token_url = platform_urls(self.lms_url, flavour).token_endpoint
        return requests.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": self.client_assertion(client_id, token_url, **overrides),
                "scope": " ".join(scopes),
            },
            timeout=10,
        )

    def access_token(
        self, flavour: str, client_id: str, scopes: tuple[str, ...] = SERVICE_SCOPES
    ) -> str:
        response = self.token_request(flavour, client_id, scopes)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    # -- registration ----------------------------------------------------------------------

    def registration_document(self, scopes: tuple[str, ...] = SERVICE_SCOPES) -> dict[str, Any]:
        return {
            "application_type": "web",
            "response_types": ["id_token"],
            "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": f"{self.url}/login",
            "redirect_uris": [f"{self.url}/launch"],
            "client_name": "Fake tool",
            "jwks_uri": f"{self.url}/jwks",
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": " ".join(scopes),
            TOOL_CONFIGURATION: {
                "domain": f"127.0.0.1:{self.port}",
                "target_link_uri": f"{self.url}/launch",
                "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
                "messages": [
                    {"type": "LtiDeepLinkingRequest", "target_link_uri": f"{self.url}/launch?dl=1"}
                ],
                "custom_parameters": {"context_id": "$Context.id"},
                "https://canvas.instructure.com/lti/privacy_level": "public",
            },
        }

    def register_from(self, openid_configuration: str, token: str) -> requests.Response:
        config = requests.get(openid_configuration, timeout=10).json()
        doc = self.registration_document()
        doc.update(self.registration_overrides)
        return requests.post(
            config["registration_endpoint"],
            json=doc,
            timeout=10,
            headers={"Authorization": f"Bearer {token}"},
        )

    # -- the HTTP side ---------------------------------------------------------------------

    def build_app(self) -> Flask:
        app = Flask("fake_tool")

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[public_jwk(self.key, self.kid)])

        @app.route("/login", methods=["GET", "POST"])
        def login():
            params = request.values
            flavour = params["iss"].rstrip("/").rsplit("/", 1)[-1]
            auth = platform_urls(self.lms_url, FLAVOURS[flavour]).authorization_endpoint
            query = {
                "scope": "openid",
                "response_type": "id_token",
                "response_mode": "form_post",
                "prompt": "none",
                "client_id": params.get("client_id", ""),
                "redirect_uri": f"{self.url}/launch",
                "login_hint": params["login_hint"],
                "lti_message_hint": params.get("lti_message_hint", ""),
                "state": secrets.token_urlsafe(16),
                "nonce": secrets.token_urlsafe(16),
            }
            self.launches.append({"login": "1", **params.to_dict()})
            return redirect(f"{auth}?{urlencode(query)}")

        @app.post("/launch")
        def launch():
            self.launches.append(request.form.to_dict())
            return jsonify(request.form.to_dict())

        @app.route("/storage-probe", methods=["GET", "POST"])
        def storage_probe():
            """Talks to the LMS's platform storage frame by postMessage (browser tests)."""
            target = request.values.get("lti_storage_target", "_parent")
            return PROBE_PAGE.replace("TARGET", target)

        @app.get("/register")
        def register():
            answer = self.register_from(
                request.args["openid_configuration"], request.args["registration_token"]
            )
            post = "window.parent.postMessage({subject: 'org.imsglobal.lti.close'}, '*');"
            body = f"<p>{answer.status_code}</p>"
            if self.close_message == "button":
                body += (
                    "<button type=button data-lti-close>Done</button><script>"
                    "document.querySelector('[data-lti-close]').addEventListener("
                    f"'click', function () {{ {post} }});</script>"
                )
            elif self.close_message == "on load":  # what Moodle closes before anyone reads
                body += f"<script>{post}</script>"
            return body, 200 if answer.ok or self.hide_registration_errors else 400

        return app

    def start(self) -> FakeToolServer:
        server = make_server("127.0.0.1", 0, self.build_app(), threaded=True)
        self.port = server.server_port
        thread = threading.Thread(target=server.serve_forever, name="fake-tool", daemon=True)
        thread.start()
        return FakeToolServer(server, thread)


@dataclass
class FakeToolServer:
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
