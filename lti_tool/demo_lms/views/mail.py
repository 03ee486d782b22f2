"""The demo LMS's "Mail" page: the messages its mail server received (what the tool sent)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template

from lti_tool.demo_lms.models import DemoMail
from lti_tool.extensions import db

bp = Blueprint("demo_mail", __name__)
SHOWN = 100


@bp.get("/mail")
def mail_page() -> str:
    """The latest messages, newest first: to, subject, body and attachments."""
    mails = db.session.scalars(sa.select(DemoMail).order_by(DemoMail.id.desc()).limit(SHOWN)).all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(DemoMail)) or 0
    return render_template("demo_lms/mail.html", mails=mails, total=total, flavour=None)


@bp.get("/mail/<int:mail_id>/attachments/<int:index>")
def mail_attachment(mail_id: int, index: int) -> Response:
    """One attachment of a message, as it was sent."""
    mail = db.session.get(DemoMail, mail_id)
    if mail is None or not 0 <= index < len(mail.attachments or []):
        abort(404)
    attachment = mail.attachments[index]
    name = attachment["filename"].replace('"', "")
    return Response(
        attachment["content"],
        mimetype=attachment["content_type"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
