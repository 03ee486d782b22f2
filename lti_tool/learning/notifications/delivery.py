"""Sending one outbox message through SMTP: claim it, send it, record what happened.

Claim and outcome are each a short unit of their own (``separate_unit``): the claim is
committed before the SMTP conversation, so two workers never send one message, and the
outcome is committed whatever the job does next. A worker that dies between the server's
"250 accepted" and the outcome's commit leaves the row claimed; when the claim expires the
message is sent again with the same ``Message-ID`` (the one case of a repeat, which mail
clients recognise).

We use the standard library's ``smtplib``: the outbox already queues, retries and records,
so a mail library would add only a wrapper around the same calls.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import separate_unit
from lti_tool.extensions import db
from lti_tool.learning.notifications.models import EmailStatus, OutboxEmail
from lti_tool.roster.models import Membership

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120  # longer than one SMTP conversation with its timeouts
BATCH = 200


class PermanentRefusal(Exception):
    """The server refused the message for good (a 5xx reply)."""


def due_ids(now: dt.datetime | None = None, limit: int = BATCH) -> list[int]:
    """Messages waiting whose time has come, and claims that expired, oldest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(OutboxEmail.id)
            .where(
                sa.or_(
                    sa.and_(
                        OutboxEmail.status == EmailStatus.PENDING,
                        OutboxEmail.next_attempt_at <= now,
                    ),
                    sa.and_(
                        OutboxEmail.status == EmailStatus.SENDING,
                        OutboxEmail.claimed_until < now,
                    ),
                )
            )
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(limit)
        )
    )


def _claim(outbox_id: int, now: dt.datetime) -> OutboxEmail | None:
    """Take the message for this worker, or None: another has it, it is not due, or done.
    Compare-and-set in one UPDATE, so exactly one worker wins."""
    claimed = db.session.execute(
        sa.update(OutboxEmail)
        .where(
            OutboxEmail.id == outbox_id,
            sa.or_(
                sa.and_(
                    OutboxEmail.status == EmailStatus.PENDING,
                    OutboxEmail.next_attempt_at <= now,
                ),
                sa.and_(
                    OutboxEmail.status == EmailStatus.SENDING,
                    OutboxEmail.claimed_until < now,
                ),
            ),
        )
        .values(
            status=EmailStatus.SENDING.value,
            claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
            attempts=OutboxEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    email = db.session.get(OutboxEmail, outbox_id)
    if email.course_id is not None and not _still_wanted(email):
        email.status = EmailStatus.SKIPPED.value
        email.claimed_until = None
        return None
    db.session.flush()
    db.session.expunge(email)  # read after this unit ends
    return email


def _still_wanted(email: OutboxEmail) -> bool:
    wanted = db.session.scalar(
        sa.select(Membership.is_notified_by_email).where(
            Membership.course_id == email.course_id, Membership.person_id == email.person_id
        )
    )
    return wanted is not False


def build_message(email: OutboxEmail, config: Mapping[str, Any]) -> EmailMessage:
    """Plain text with an HTML alternative, and the calendar file when there is one."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(utcnow())
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    if email.ics:
        message.add_attachment(
            email.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename=email.ics_name or "meeting.ics",
            params={"method": "PUBLISH"},
        )
    return message


def send_over_smtp(message: EmailMessage, config: Mapping[str, Any]) -> None:
    """:raise PermanentRefusal: a 5xx answer. :raise OSError, SMTPException: try later."""
    try:
        with smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT_SECONDS"]
        ) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentRefusal(f"recipient refused ({', '.join(map(str, codes))})") from error
        raise
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            raise PermanentRefusal(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise


def retry_delay(attempts: int, max_minutes: int) -> dt.timedelta:
    """1, 2, 4 … minutes (capped), with up to 20 % jitter so a backlog spreads out."""
    minutes = min(2 ** max(attempts - 1, 0), max_minutes)
    return dt.timedelta(seconds=minutes * 60 * (1 + random.random() * 0.2))


def deliver(outbox_id: int) -> str | None:
    """Send one message if it is due and nobody else has it; returns its new status (None:
    not taken). Never raises for an SMTP failure: the row says what happened."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return None  # mail is off: rows wait until a server is configured
    now = utcnow()
    with separate_unit():
        email = _claim(outbox_id, now)
    if email is None:
        return None
    error: str | None = None
    permanent = False
    try:
        send_over_smtp(build_message(email, config), config)
    except PermanentRefusal as refusal:
        error, permanent = str(refusal), True
    except (OSError, smtplib.SMTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"[:1000]
    with separate_unit():
        row = db.session.get(OutboxEmail, outbox_id)
        row.claimed_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = EmailStatus.SENT.value, utcnow(), None
        elif permanent or row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            row.status, row.last_error = EmailStatus.FAILED.value, error[:1000]
        else:
            row.status, row.last_error = EmailStatus.PENDING.value, error[:1000]
            row.next_attempt_at = utcnow() + retry_delay(
                row.attempts, config["MAIL_RETRY_MAX_MINUTES"]
            )
        status = row.status
    if error:
        log.warning("Email %s (%s) not sent: %s", outbox_id, email.kind, error)
    return status
