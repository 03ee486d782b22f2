"""Deep Linking 2.0: the content a designer can place in the course, and the signed answer.

A deep-linking launch is answered once: the launch session records when its response was
signed, so the same launch cannot sign a second (or a thousandth) response.

For now the catalogue is minimal (the mentoring home and one graded check-in); learning
paths will supply real items later.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import jwt
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lti_tool.core.i18n import N_, translate
from lti_tool.core.lti_spec import CLAIM, DL_CLAIM, DL_CONTENT_ITEMS, DL_DATA, DL_MSG
from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError, ValidationError
from lti_tool.extensions import db
from lti_tool.platforms.keys import ensure_signing_key, load_private_key
from lti_tool.roster.launches import LaunchSession

RESPONSE_LIFETIME = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class ContentOption:
    key: str
    title: str
    text: str
    points: float | None = None

    def content_item(self, launch_url: str) -> dict:
        item: dict = {
            "type": "ltiResourceLink",
            "title": translate(self.title),
            "text": translate(self.text),
            "url": launch_url,
            "custom": {"reciprocal_item": self.key},
        }
        if self.points is not None:
            item["lineItem"] = {
                "scoreMaximum": self.points,
                "label": translate(self.title),
                "resourceId": self.key,
                "tag": "reciprocal",
            }
        return item


CONTENT_OPTIONS = (
    ContentOption(
        "home", N_("Reverse mentoring"), N_("Your mentoring partner, path and progress.")
    ),
    ContentOption(
        "checkin-1", N_("Monthly check-in"), N_("Meet your partner and log the meeting."), points=10
    ),
)


def deep_linking_settings(launch: LaunchSession) -> dict:
    return launch.claims.get(DL_CLAIM) or {}


def build_response(launch: LaunchSession, chosen: list[str], launch_url: str) -> tuple[str, str]:
    """The signed LtiDeepLinkingResponse JWT and the URL to post it to.

    :raise ValidationError: nothing or too much chosen, or an unknown item.
    """
    settings = deep_linking_settings(launch)
    options = {o.key: o for o in CONTENT_OPTIONS}
    unknown = [key for key in chosen if key not in options]
    if unknown:
        raise ValidationError(_("Unknown content: %(value)s.", value=", ".join(unknown)))
    if len(chosen) > 1 and settings.get("accept_multiple") is False:
        raise ValidationError(_("Your LMS accepts one item at a time here; choose one."))
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
        DL_CONTENT_ITEMS: [options[k].content_item(launch_url) for k in chosen],
    }
    if not chosen:
        claims[DL_MSG] = _("Nothing was added.")
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
