"""Write a message to the outbox, in the transaction of the event it tells about."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from lti_tool.core.i18n import DEFAULT_LOCALE, launch_locale
from lti_tool.core.lti_spec import CLAIM
from lti_tool.core.upsert import insert_or_get
from lti_tool.extensions import db
from lti_tool.learning.notifications.models import OutboxEmail
from lti_tool.learning.notifications.tasks import deliver_email
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership, Person


def mail_enabled() -> bool:
    """Mail goes out only when an SMTP server is configured."""
    return bool(current_app.config.get("SMTP_HOST"))


@dataclass
class Message:
    """What one email says: a subject, paragraphs, and a calendar file to attach."""

    subject: str
    paragraphs: list[str]
    action: str = ""  # the link's words ("Open Reciprocal in your course")
    ics: str | None = None
    ics_name: str | None = None
    extra: dict = field(default_factory=dict)


def course_link(course_id: int | None) -> str | None:
    """The LMS's page of the course, as the latest launch from it said
    (``launch_presentation.return_url``); None when no launch said."""
    if course_id is None:
        return None
    claims = db.session.scalar(
        sa.select(LaunchSession.claims)
        .where(LaunchSession.course_id == course_id)
        .order_by(LaunchSession.created_at.desc())
        .limit(1)
    )
    url = ((claims or {}).get(CLAIM + "launch_presentation") or {}).get("return_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def recipient_language(person_id: int) -> str:
    """The language of ``person``'s latest launch (``launch_presentation.locale``), when the
    tool speaks it; else English."""
    claims = db.session.scalar(
        sa.select(LaunchSession.claims)
        .where(LaunchSession.person_id == person_id)
        .order_by(LaunchSession.created_at.desc())
        .limit(1)
    )
    return launch_locale(claims) or DEFAULT_LOCALE


@contextmanager
def in_language_of(person: Person) -> Iterator[None]:
    """Strings, dates and mail templates inside speak the recipient's language."""
    with force_locale(recipient_language(person.id)):
        yield


def wants_email(course_id: int | None, person_id: int) -> bool:
    if course_id is None:
        return True
    wanted = db.session.scalar(
        sa.select(Membership.is_notified_by_email).where(
            Membership.course_id == course_id, Membership.person_id == person_id
        )
    )
    return wanted is not False


def queue_email(
    key: str, kind: str, person: Person, course_id: int | None, message: Message
) -> OutboxEmail | None:
    """The outbox row of this event for ``person`` (written once per ``key``, sent after the
    commit); None when mail is off, the person has no address or turned email off."""
    if not (mail_enabled() and person.email and wants_email(course_id, person.id)):
        return None
    course = db.session.get(Course, course_id) if course_id is not None else None
    context = {
        "name": person.display_name,
        "paragraphs": message.paragraphs,
        "action": message.action,
        "link": course_link(course_id),
        "course_title": course.title if course else None,
    }
    row = insert_or_get(
        OutboxEmail,
        {"dedupe_key": key[:200]},
        {
            "kind": kind,
            "course_id": course_id,
            "person_id": person.id,
            "to_address": person.email,
            "subject": message.subject[:300],
            "text_body": render_template("learning/mail/message.txt", **context),
            "html_body": render_template("learning/mail/message.html", **context),
            "ics": message.ics,
            "ics_name": message.ics_name,
        },
    )
    deliver_email.enqueue(row.id)  # sent after the commit; a second send is a no-op
    return row
