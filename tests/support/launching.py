"""Launching the real tool from the demo LMS, and forging id_tokens for the refusal tests.

The fixtures built on it (``platforms``, ``platform``, ``spec``) live in tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
                flavour, lms_base_url=self.lms_url, registration=registration,
                user=get_user(user), course=course, nonce=auth.nonce,
                resource_link=get_resource_link(registration, course),
            )

    def sign(self, claims: dict[str, Any], **options: Any) -> str:
        with self.app.app_context():
            return sign_id_token(get_flavour(self.flavour), claims, **options)


def course_from_launch(platform: Platform) -> tuple[int, int]:
    """Launch as the designer; the tool's (platform row id, course id) for that course."""
    import re

    from lti_tool.extensions import db
    from lti_tool.lti.models import LaunchSession

    page = platform.launch(DESIGNER)
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    with platform.app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        return launch.platform_id, launch.course_id
