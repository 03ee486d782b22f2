"""Launching the real tool from the demo LMS, and forging id_tokens for the refusal tests.

The fixtures built on it (``platforms``, ``platform``, ``spec``) live in tests/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from lti_tool.demo_lms.directory import get_course, get_registration, get_resource_link, get_user
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.demo_lms.launches import build_launch_claims, sign_id_token
from lti_tool.demo_lms.registration import RegistrationResult
from tests.support.lti_browser import AuthRequest, LtiBrowser

LEARNER = "amara.okafor"
DESIGNER = "dana.whitfield"


@dataclass
class Platform:
    """One demo LMS flavour with the tool registered in it."""

    app: Flask
    lms_url: str
    flavour: str
    registration: RegistrationResult

    @property
    def client_id(self) -> str:
        return self.registration.client_id

    def browser(self, **options: Any) -> LtiBrowser:
        return LtiBrowser(self.lms_url, **options)

    def launch(self, user: str, browser: LtiBrowser | None = None, **options: Any):
        browser = browser or self.browser()
        return browser.launch(self.flavour, user, client_id=self.client_id, **options)

    def start(self, browser: LtiBrowser, user: str = LEARNER, **options: Any) -> AuthRequest:
        """A real login initiation; stops where the LMS would sign the id_token."""
        return browser.start_launch(self.flavour, user, client_id=self.client_id, **options)

    def claims(self, auth: AuthRequest, user: str = LEARNER) -> dict[str, Any]:
        """The claims the LMS would sign for this login."""
        with self.app.app_context():
            flavour = get_flavour(self.flavour)
            registration = get_registration(flavour, self.client_id)
            course = get_course()
            return build_launch_claims(
                flavour,
                lms_base_url=self.lms_url,
                registration=registration,
                user=get_user(user),
                course=course,
                nonce=auth.nonce,
                resource_link=get_resource_link(registration, course),
            )

    def sign(self, claims: dict[str, Any], **options: Any) -> str:
        with self.app.app_context():
            return sign_id_token(get_flavour(self.flavour), claims, **options)


def course_from_launch(platform: Platform) -> tuple[int, int]:
    """Launch as the designer; the tool's (platform row id, course id) for that course."""
    import re

    from lti_tool.extensions import db
    from lti_tool.roster.launches import LaunchSession

    page = platform.launch(DESIGNER)
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    with platform.app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        return launch.platform_id, launch.course_id


# -- forging launches for refusal tests -------------------------------------------------

Tamper = Callable[[dict[str, Any]], None]


def launch_with(platform: Platform, tamper: Tamper | None = None, **sign: Any):
    """A real login, then an id_token built from the genuine claims, tampered and signed."""
    browser = platform.browser()
    auth = platform.start(browser)
    claims = platform.claims(auth)
    if tamper:
        tamper(claims)
    token = platform.sign(claims, **sign)
    return browser.post_id_token(auth.redirect_uri, token, auth.state)


def drop(*names: str) -> Tamper:
    def tamper(claims: dict[str, Any]) -> None:
        for name in names:
            claims.pop(name, None)

    return tamper


def put(**values: Any) -> Tamper:
    def tamper(claims: dict[str, Any]) -> None:
        for name, value in values.items():
            claims[name.replace("__", "/")] = value

    return tamper


def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def assert_refused(response, status: int, *words: str) -> None:
    reason = re.search(r'id="error-title">[^<]*</h1>\s*<p>(.*?)</p>', response.text, re.S)
    said = reason.group(1) if reason else response.text[:600]
    assert response.status_code == status, said
    assert "This launch could not be accepted" in response.text
    for word in words:
        assert word in said, f"{word!r} not in {said!r}"
    assert "Traceback" not in response.text
