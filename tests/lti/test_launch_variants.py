"""Valid launches shaped like what real platforms send, key rotation and new deployments."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
import sqlalchemy as sa

from lti_tool.demo_lms.keys import rotate_platform_key
from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment
from lti_tool.platforms.models import Platform as PlatformRow
from tests.support.launching import Platform, assert_refused, launch_with

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
PERSONAL = ("name", "given_name", "family_name", "email")


def landed(platform: Platform, tamper) -> requests.Response:
    response = launch_with(platform, tamper)
    assert response.status_code == 303, response.text[:800]
    page = requests.get(urljoin(response.url, response.headers["Location"]), timeout=10)
    assert page.status_code == 200
    return page


def roles(*values: str):
    def tamper(claims: dict[str, Any]) -> None:
        claims[CLAIM + "roles"] = list(values)

    return tamper


@pytest.mark.parametrize(
    ("role_values", "home", "shown"),
    [
        ((LIS + "membership#Learner", LIS + "membership#Mentor"), "Hello,", "Learner, Mentor"),
        ((LIS + "membership#Learner", LIS + "membership#Instructor"), "Welcome,", "Instructor"),
        (("Instructor",), "Welcome,", "Instructor"),
        (("Learner",), "Hello,", "Learner"),
        (("urn:example:role:Astronaut",), "Hello,", "Astronaut"),
        ((), "Hello,", "no role"),
        ((LIS + "institution/person#Administrator",), "Welcome,", "Administrator"),
    ],
    ids=[
        "several",
        "learner-and-instructor",
        "short-instructor",
        "short-learner",
        "unknown",
        "none",
        "lms-admin",
    ],
)
def test_roles(spec: Platform, role_values: tuple[str, ...], home: str, shown: str) -> None:
    page = landed(spec, roles(*role_values))
    assert home in page.text and shown in page.text


def test_lms_admin_reaches_the_admin_area_without_secret(spec: Platform) -> None:
    page = landed(spec, roles(LIS + "institution/person#Administrator"))
    link = re.search(r'href="(/admin/\?launch=[^"]+)"', page.text)
    assert link, "LMS administrators get a link to the tool's admin area"
    admin = requests.get(
        spec.registration.registration["initiate_login_uri"].replace(
            "/lti/login", link.group(1).replace("&amp;", "&")
        ),
        timeout=10,
    )
    assert admin.status_code == 200 and "Tool administration" in admin.text


def test_learner_launch_cannot_reach_admin(spec: Platform) -> None:
    page = landed(spec, roles(LIS + "membership#Learner"))
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    base = page.url.split("/s/")[0]
    response = requests.get(f"{base}/admin/?launch={launch_id}", allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/login")


@pytest.mark.parametrize(
    ("keep", "greeting"),
    [
        (("email",), "Hello, amara.okafor@northwind.example"),
        (("name",), "Hello, Amara Okafor"),
        (("given_name", "family_name"), "Hello, Amara Okafor"),
        ((), "Hello, there"),
    ],
    ids=["email-only", "name-only", "given-and-family", "no-personal-data"],
)
def test_personal_data_variants(spec: Platform, keep: tuple[str, ...], greeting: str) -> None:
    def tamper(claims: dict[str, Any]) -> None:
        claims["sub"] = f"privacy-{'-'.join(keep) or 'none'}"
        for field in PERSONAL:
            if field not in keep:
                claims.pop(field, None)

    page = landed(spec, tamper)
    assert greeting in page.text


def test_launch_without_context(spec: Platform) -> None:
    def tamper(claims: dict[str, Any]) -> None:
        claims.pop(CLAIM + "context")

    page = landed(spec, tamper)
    assert "Hello, Amara Okafor" in page.text


def test_platform_key_rotation_is_followed(spec: Platform) -> None:
    assert landed(spec, None)
    with spec.app.app_context():
        platform = db.session.scalars(
            sa.select(PlatformRow).where(PlatformRow.client_id == spec.client_id)
        ).one()
        cached_until = platform.jwks_expires_at
        rotate_platform_key(spec.flavour)
        db.session.commit()
    # The tool's cached JWKS lacks the new kid: it fetches the key set again, once.
    assert landed(spec, None)
    with spec.app.app_context():
        platform = db.session.scalars(
            sa.select(PlatformRow).where(PlatformRow.client_id == spec.client_id)
        ).one()
        assert platform.jwks_expires_at > cached_until


def test_jwks_is_cached_between_launches(spec: Platform) -> None:
    landed(spec, None)
    with spec.app.app_context():
        before = db.session.scalars(
            sa.select(PlatformRow.jwks_expires_at).where(PlatformRow.client_id == spec.client_id)
        ).one()
    landed(spec, None)
    with spec.app.app_context():
        after = db.session.scalars(
            sa.select(PlatformRow.jwks_expires_at).where(PlatformRow.client_id == spec.client_id)
        ).one()
    assert after == before, "a launch with a known kid must not refetch the JWKS"


def test_unknown_deployment_is_recorded_as_pending(spec: Platform) -> None:
    def tamper(claims: dict[str, Any]) -> None:
        claims[CLAIM + "deployment_id"] = "sub-account-42"

    response = launch_with(spec, tamper)
    assert_refused(response, 403, "waiting for an administrator")
    with spec.app.app_context():
        deployment = db.session.scalars(
            sa.select(Deployment).where(Deployment.deployment_id == "sub-account-42")
        ).one()
        assert deployment.status == "pending"
        deployment.approve()
        db.session.commit()
    assert landed(spec, tamper)
