"""The demo LMS's mail server: an SMTP server (aiosmtpd) that keeps every message it gets in
``demo_mail``, for the "Mail" page. ``make run`` starts it (``flask demo mail-server``) and
points the tool's ``SMTP_HOST``/``SMTP_PORT`` at it; tests start one in-process."""

from __future__ import annotations

import logging
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from lti_tool.core.transaction import unit_of_work
from lti_tool.demo_lms.models import DemoMail
from lti_tool.extensions import db

MAX_BODY = 100_000


def parse_mail(mail_from: str, recipients: list[str], content: bytes) -> dict[str, Any]:
    """The fields ``DemoMail`` keeps: the plain-text body and text attachments."""
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(content)
    body = message.get_body(preferencelist=("plain", "html"))
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_content()
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", "replace")
        attachments.append(
            {
                "filename": part.get_filename() or "attachment",
                "content_type": part.get_content_type(),
                "content": str(payload)[:MAX_BODY],
            }
        )
    return {
        "mail_from": mail_from[:320],
        "recipients": list(recipients),
        "subject": str(message.get("Subject", ""))[:500],
        "message_id": str(message.get("Message-ID", ""))[:300] or None,
        "text_body": (body.get_content() if body is not None else "")[:MAX_BODY],
        "attachments": attachments,
    }


def store_mail(app: Flask, mail_from: str, recipients: list[str], content: bytes) -> int:
    """Keep one received message; its id."""
    with app.app_context(), unit_of_work():
        mail = DemoMail(**parse_mail(mail_from, recipients, content))
        db.session.add(mail)
        db.session.flush()
        return mail.id


class MailboxHandler:
    """aiosmtpd's handler: accept everything, keep it in the database."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        store_mail(self.app, envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted for delivery"


def start_mail_server(app: Flask, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """An SMTP server on ``host:port`` in a thread of its own; ``.stop()`` it when done."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every-connection log
    controller = Controller(MailboxHandler(app), hostname=host, port=port)
    controller.start()
    return controller
