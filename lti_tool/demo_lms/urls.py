"""Absolute URLs of a flavour's endpoints and services, built from the LMS base URL.

Everything is derived from the base URL of the request (or the one a test passes), so the
LMS works on any port without configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.demo_lms.flavours import Flavour, get_flavour
from lti_tool.demo_lms.models import DemoCourse, DemoLineItem, DemoToolRegistration


@dataclass(frozen=True)
class PlatformUrls:
    """What a tool needs to know about one flavour (e.g. for manual registration)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    openid_configuration: str
    registration_endpoint: str


def platform_urls(lms_base_url: str, flavour: Flavour | str) -> PlatformUrls:
    """The issuer and endpoint URLs of ``flavour`` on the LMS at ``lms_base_url``."""
    f = get_flavour(flavour) if isinstance(flavour, str) else flavour
    return PlatformUrls(
        issuer=f.issuer(lms_base_url),
        authorization_endpoint=f.url(lms_base_url, f.auth_path),
        token_endpoint=f.url(lms_base_url, f.token_path),
        jwks_uri=f.url(lms_base_url, f.jwks_path),
        openid_configuration=f.url(lms_base_url, f.openid_configuration_path),
        registration_endpoint=f.url(lms_base_url, f.registration_path),
    )


def _service_query(flavour: Flavour, registration: DemoToolRegistration | None) -> str:
    # Moodle's AGS URLs carry ?type_id=<tool type>: tools must keep it when they add /scores.
    if flavour.ags_query_type_id and registration is not None:
        return f"?type_id={registration.deployment_id}"
    return ""


def memberships_url(flavour: Flavour, lms_base_url: str, course: DemoCourse) -> str:
    return flavour.url(lms_base_url, f"/api/courses/{course.id}/memberships")


def lineitems_url(
    flavour: Flavour,
    lms_base_url: str,
    course: DemoCourse,
    registration: DemoToolRegistration | None = None,
) -> str:
    base = flavour.url(lms_base_url, f"/api/courses/{course.id}/lineitems")
    return base + _service_query(flavour, registration)


def lineitem_url(
    flavour: Flavour,
    lms_base_url: str,
    line_item: DemoLineItem,
    registration: DemoToolRegistration | None = None,
    suffix: str = "",
) -> str:
    """The line item's URL; ``suffix`` (``/scores``, ``/results``) goes before any query."""
    base = flavour.url(
        lms_base_url, f"/api/courses/{line_item.course_id}/lineitems/{line_item.id}{suffix}"
    )
    return base + _service_query(flavour, registration)


def deep_link_return_url(flavour: Flavour, lms_base_url: str, hint_id: str) -> str:
    return flavour.url(lms_base_url, f"/deep-linking/return/{hint_id}")


def course_page_url(flavour: Flavour, lms_base_url: str, course: DemoCourse) -> str:
    return flavour.url(lms_base_url, f"/courses/{course.id}")


def basic_outcome_url(flavour: Flavour, lms_base_url: str) -> str:
    return flavour.url(lms_base_url, "/mod/lti/service.php")
