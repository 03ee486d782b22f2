"""Deep Linking 2.0: the signed answer to a deep-linking launch, whatever it carries.

What a designer can place in the course (the learning path's steps, the program home) is the
learning layer's business (``learning.deep_linking``); this module signs the content items it
is handed and posts them back.

A deep-linking launch is answered once: the launch session records when its response was
signed, so the same launch cannot sign a second (or a thousandth) response.
"""

from __future__ import annotations

import datetime as dt
import secrets

import jwt
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lti_tool.core.lti_spec import CLAIM, DL_CLAIM, DL_CONTENT_ITEMS, DL_DATA, DL_MSG
from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError, ValidationError
from lti_tool.extensions import db
from lti_tool.platforms.keys import ensure_signing_key, load_private_key
from lti_tool.roster.launches import LaunchSession

RESPONSE_LIFETIME = dt.timedelta(minutes=5)
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"


def deep_linking_settings(launch: LaunchSession) -> dict:
    return launch.claims.get(DL_CLAIM) or {}


def accepts_multiple(launch: LaunchSession) -> bool:
    """Whether the platform takes several items in one response (absent means yes)."""
    return deep_linking_settings(launch).get("accept_multiple") is not False


def build_response(
    launch: LaunchSession, content_items: list[dict], message: str | None = None
) -> tuple[str, str]:
    """The signed LtiDeepLinkingResponse JWT carrying ``content_items``, and the URL to post
    it to.

    :raise ValidationError: no item (Moodle silently shows nothing for an empty answer), or
        several where the platform accepts one.
    """
    if not content_items:
        raise ValidationError(
            _("Choose at least one thing to add: an empty answer would add nothing to the course."),
            hint=_("Tick a step (or the whole path), then choose “Add to course”."),
        )
    if len(content_items) > 1 and not accepts_multiple(launch):
        raise ValidationError(
            _("Your LMS adds one activity at a time here: choose one step."),
            hint=_("Add the next step by starting “Add an activity” again from the course."),
        )
    settings = deep_linking_settings(launch)
    key = ensure_signing_key()
    now = utcnow()
    claims = {
        "iss": launch.platform.client_id,
        "aud": [launch.platform.issuer],
        "iat": int(now.timestamp()),
        "exp": int((now + RESPONSE_LIFETIME).timestamp()),
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": launch.deployment_id,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL_CONTENT_ITEMS: content_items,
    }
    if message:
        claims[DL_MSG] = message
    if settings.get("data") is not None:
        claims[DL_DATA] = settings["data"]
    token = jwt.encode(
        claims, load_private_key(key.private_key_pem), algorithm="RS256", headers={"kid": key.kid}
    )
    return token, settings["deep_link_return_url"]


class AlreadyAnswered(DomainError):
    """This deep-linking launch has already sent its response to the LMS."""

    title = _l("This “add activity” request is finished")

    def __init__(self) -> None:
        super().__init__(
            "Reciprocal has already sent its answer to this “add activity” request; each "
            "request can add content to the course once.",
            hint="To add more, start “add activity” (or your LMS's content selection) again "
            "from your course in the LMS.",
        )


def ensure_unanswered(launch: LaunchSession) -> None:
    """:raise AlreadyAnswered: the launch's response was already sent."""
    if launch.deep_link_answered_at is not None:
        raise AlreadyAnswered()


def mark_answered(launch: LaunchSession) -> None:
    """Record that the launch's response is sent, atomically: of two requests racing, one
    wins.

    :raise AlreadyAnswered: another request sent it first.
    """
    table = LaunchSession.__table__
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == launch.id, table.c.deep_link_answered_at.is_(None))
        .values(deep_link_answered_at=utcnow())
    )
    if result.rowcount != 1:
        raise AlreadyAnswered()
