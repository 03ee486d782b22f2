"""Launches: message hints, login initiation, id_token claims and signing.

``build_launch_claims`` and ``sign_id_token`` are the programmatic API tests use to forge and
tamper id_tokens (other keys, ``alg: none``, HS256, expired, wrong ``aud``, unknown ``kid``…).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import jwt
import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.demo_lms import urls
from lti_tool.demo_lms.directory import find_enrollment, subject_for
from lti_tool.demo_lms.flavours import (
    AGS_SCOPES,
    DEEP_LINKING_REQUEST,
    RESOURCE_LINK_REQUEST,
    SCOPE_NRPS,
    Flavour,
)
from lti_tool.demo_lms.keys import sign_with_platform_key
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoLineItem,
    DemoMessageHint,
    DemoPlatformKey,
    DemoResourceLink,
    DemoToolRegistration,
    DemoUser,
)
from lti_tool.extensions import db

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
BASIC_OUTCOME_CLAIM = "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome"
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
MESSAGE_HINT_TTL = dt.timedelta(minutes=10)
DEFAULT_LOCALE = "en"  # launch_presentation.locale when the launch page names none


# --- message hints and login initiation -----------------------------------------------


def start_launch(
    flavour: Flavour,
    registration: DemoToolRegistration,
    user: DemoUser,
    course: DemoCourse,
    resource_link: DemoResourceLink | None = None,
    message_type: str = RESOURCE_LINK_REQUEST,
    locale: str | None = None,
) -> DemoMessageHint:
    """Record a launch the LMS is starting; its id becomes the ``lti_message_hint``."""
    hint = DemoMessageHint(
        id=secrets.token_urlsafe(24),
        flavour=flavour.name,
        registration_id=registration.id,
        user_id=user.id,
        course_id=course.id,
        resource_link_pk=resource_link.id if resource_link else None,
        message_type=message_type,
        locale=locale,
    )
    db.session.add(hint)
    db.session.flush()
    return hint


def message_hint_value(flavour: Flavour, hint: DemoMessageHint) -> str:
    """The ``lti_message_hint`` as the flavour sends it (Moodle: a JSON object)."""
    if flavour.message_hint_style == "json":
        return json.dumps({"cmid": hint.resource_link_pk, "launchid": hint.id})
    return hint.id


def parse_message_hint(flavour: Flavour, value: str | None) -> str | None:
    """The hint id inside a received ``lti_message_hint``, or None when it is malformed."""
    if not value:
        return None
    if flavour.message_hint_style == "json":
        try:
            launch_id = json.loads(value).get("launchid")
        except (ValueError, AttributeError):
            return None
        return launch_id if isinstance(launch_id, str) else None
    return value


def spend_message_hint(hint_id: str) -> bool:
    """Mark the hint used; False when it was already used or is too old (single use)."""
    result = db.session.execute(
        sa.update(DemoMessageHint)
        .where(
            DemoMessageHint.id == hint_id,
            DemoMessageHint.used_at.is_(None),
            DemoMessageHint.created_at > utcnow() - MESSAGE_HINT_TTL,
        )
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def target_link_uri_for(
    registration: DemoToolRegistration,
    resource_link: DemoResourceLink | None,
    message_type: str,
) -> str:
    if message_type == DEEP_LINKING_REQUEST:
        return registration.deep_linking_target() or registration.target_link_uri
    if resource_link is not None and resource_link.url:
        return resource_link.url
    return registration.target_link_uri


def login_initiation_params(
    flavour: Flavour, lms_base_url: str, hint: DemoMessageHint
) -> dict[str, str]:
    """The third-party login initiation request the LMS posts to the tool."""
    registration = hint.registration
    params = {
        "iss": flavour.issuer(lms_base_url),
        "login_hint": subject_for(flavour, hint.user),
        "target_link_uri": target_link_uri_for(registration, hint.resource_link, hint.message_type),
        "lti_message_hint": message_hint_value(flavour, hint),
        "client_id": registration.client_id,
        "lti_deployment_id": registration.deployment_id,
    }
    if flavour.login_extras:
        params.update(canvas_region="us-east-1", canvas_environment="prod")
    if flavour.storage_target:
        params["lti_storage_target"] = flavour.storage_target
    return params


# --- claims ------------------------------------------------------------------------------


def privacy(flavour: Flavour, registration: DemoToolRegistration) -> tuple[bool, bool]:
    """Whether launches and rosters may carry (names, email) for this registration."""
    if flavour.privacy_source == "privacy_level":
        doc = registration.document or {}
        level = doc.get(CANVAS_PRIVACY) or (doc.get(TOOL_CONFIGURATION) or {}).get(
            CANVAS_PRIVACY, "anonymous"
        )
        return level in {"public", "name_only"}, level in {"public", "email_only"}
    claims = set(registration.claims or [])
    return bool(claims & {"name", "given_name", "family_name"}), "email" in claims


def person_claims(flavour: Flavour, registration: DemoToolRegistration, user: DemoUser) -> dict:
    """Name and email claims the registration may see (absent values are left out)."""
    send_name, send_email = privacy(flavour, registration)
    values: dict[str, Any] = {}
    if send_name:
        values.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
        if user.name is None and (user.given_name or user.family_name):
            values["name"] = " ".join(p for p in (user.given_name, user.family_name) if p)
    if send_email:
        values["email"] = user.email
    return {k: v for k, v in values.items() if v}


def line_item_for(resource_link: DemoResourceLink | None) -> DemoLineItem | None:
    if resource_link is None:
        return None
    return db.session.scalars(
        sa.select(DemoLineItem)
        .where(DemoLineItem.resource_link_pk == resource_link.id)
        .order_by(DemoLineItem.id)
        .limit(1)
    ).first()


def build_launch_claims(
    flavour: Flavour,
    *,
    lms_base_url: str,
    registration: DemoToolRegistration,
    user: DemoUser,
    course: DemoCourse,
    nonce: str,
    resource_link: DemoResourceLink | None = None,
    message_type: str = RESOURCE_LINK_REQUEST,
    hint_id: str | None = None,
    now: dt.datetime | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """Every claim of an id_token the flavour would send for this launch."""
    issued = int((now or utcnow()).timestamp())
    is_deep_link = message_type == DEEP_LINKING_REQUEST
    enrollment = find_enrollment(course, user)
    claims: dict[str, Any] = {
        "iss": flavour.issuer(lms_base_url),
        "aud": registration.client_id,
        "azp": registration.client_id,
        "sub": subject_for(flavour, user),
        "iat": issued,
        "exp": issued + flavour.id_token_ttl,
        "nonce": nonce,
        CLAIM + "deployment_id": registration.deployment_id,
        CLAIM + "message_type": message_type,
        CLAIM + "version": "1.3.0",
        CLAIM + "roles": flavour.roles(enrollment.roles) if enrollment else [],
        CLAIM + "context": {
            "id": course.context_id,
            "label": course.label,
            "title": course.title,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        CLAIM + "target_link_uri": target_link_uri_for(registration, resource_link, message_type),
        CLAIM + "tool_platform": {
            "guid": f"{flavour.name}.demo.reciprocal",
            "name": f"Reciprocal demo LMS ({flavour.title})",
            "product_family_code": flavour.product_family_code,
            "version": flavour.version,
            "url": flavour.issuer(lms_base_url),
        },
        CLAIM + "launch_presentation": {
            "document_target": "iframe",
            "return_url": urls.course_page_url(flavour, lms_base_url, course),
            "locale": locale or DEFAULT_LOCALE,
        },
        CLAIM + "lis": lis_claim(flavour, user, course),
        CLAIM + "custom": custom_claim(
            flavour, lms_base_url, registration, user, course, resource_link
        ),
        **person_claims(flavour, registration, user),
    }
    if resource_link is not None and not is_deep_link:
        claims[CLAIM + "resource_link"] = {
            "id": resource_link.resource_link_id,
            "title": resource_link.title,
            "description": resource_link.text or "",
        }
    if SCOPE_NRPS in registration.scopes:
        claims[NRPS_CLAIM] = {
            "context_memberships_url": urls.memberships_url(flavour, lms_base_url, course),
            "service_versions": ["2.0"],
        }
    ags_scopes = [s for s in AGS_SCOPES if s in registration.scopes]
    if ags_scopes:
        endpoint: dict[str, Any] = {
            "scope": ags_scopes,
            "lineitems": urls.lineitems_url(flavour, lms_base_url, course, registration),
        }
        line_item = None if is_deep_link else line_item_for(resource_link)
        if line_item is not None:
            endpoint["lineitem"] = urls.lineitem_url(flavour, lms_base_url, line_item, registration)
        claims[AGS_CLAIM] = endpoint
    if flavour.basic_outcome_claim:
        claims[BASIC_OUTCOME_CLAIM] = {
            "lis_result_sourcedid": "",
            "lis_outcome_service_url": urls.basic_outcome_url(flavour, lms_base_url),
        }
    if is_deep_link:
        claims[DL_CLAIM + "deep_linking_settings"] = deep_linking_settings(
            flavour, lms_base_url, hint_id or "forged"
        )
    return claims


def lis_claim(flavour: Flavour, user: DemoUser, course: DemoCourse) -> dict[str, str]:
    if flavour.basic_outcome_claim:  # Moodle sends empty sourcedids
        return {"person_sourcedid": "", "course_section_sourcedid": ""}
    return {"person_sourcedid": f"SIS-{user.id:05d}", "course_offering_sourcedid": course.label}


def custom_claim(
    flavour: Flavour,
    lms_base_url: str,
    registration: DemoToolRegistration,
    user: DemoUser,
    course: DemoCourse,
    resource_link: DemoResourceLink | None,
) -> dict[str, str]:
    """Registration and activity custom parameters, plus the seeded HR fields."""
    custom = {str(k): str(v) for k, v in (registration.custom_parameters or {}).items()}
    if resource_link is not None:
        custom.update({str(k): str(v) for k, v in (resource_link.custom or {}).items()})
    if user.seniority_level is not None:
        custom["seniority_level"] = str(user.seniority_level)
    if user.years_experience is not None:
        custom["years_experience"] = str(user.years_experience)
    if user.department:
        custom["department"] = user.department
    if flavour.custom_memberships_url:
        custom["context_memberships_url"] = urls.memberships_url(flavour, lms_base_url, course)
    return custom


def deep_linking_settings(flavour: Flavour, lms_base_url: str, hint_id: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "deep_link_return_url": urls.deep_link_return_url(flavour, lms_base_url, hint_id),
        "accept_types": list(flavour.deep_link_accept_types),
        "accept_presentation_document_targets": list(flavour.deep_link_presentation_targets),
        "accept_multiple": flavour.deep_link_accept_multiple,
        "accept_lineitem": True,
        "auto_create": True,
        "title": "Reciprocal activity",
    }
    if flavour.deep_link_sends_data:
        settings["data"] = f"dl-{hint_id}"
    return settings


# --- signing -----------------------------------------------------------------------------


def sign_id_token(
    flavour: Flavour,
    claims: dict[str, Any],
    *,
    key: DemoPlatformKey | Any | None = None,
    alg: str = "RS256",
    headers: dict[str, Any] | None = None,
) -> str:
    """Sign ``claims`` as the flavour would, or forge: ``key`` may be a platform key row,
    any key PyJWT accepts (PEM, RSA key, HMAC secret) or None with ``alg="none"``."""
    if alg == "none":
        return jwt.encode(claims, None, algorithm="none", headers=headers)
    if key is None or isinstance(key, DemoPlatformKey):
        if alg != "RS256":
            raise ValueError("platform keys sign RS256; pass a key for other algorithms")
        return sign_with_platform_key(flavour.name, claims, key=key, headers=headers)
    return jwt.encode(claims, key, algorithm=alg, headers=headers)
