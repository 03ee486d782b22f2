"""A real SMTP server for tests: aiosmtpd on a free loopback port, in this process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """What the server received: one parsed message per envelope, with its recipients."""

    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for _, m in self.messages]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def forget_outbox(app: Any) -> None:
    """Drop every outbox row: messages other tests left waiting are not this test's."""
    from lti_tool.extensions import db
    from lti_tool.learning.notifications.models import OutboxEmail

    with app.app_context():
        db.session.execute(db.delete(OutboxEmail))
        db.session.commit()
