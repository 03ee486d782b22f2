"""Registration URLs minted the way a tool admin does, for tests that register the tool."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from lti_tool.demo_lms.urls import platform_urls
from lti_tool.extensions import db
from lti_tool.platforms.invites import invite_url, mint_invite
from tests.support.live_server import LiveServer


def invite_token(
    app: Flask, *, issuer: str | None = None, ttl: dt.timedelta = dt.timedelta(hours=1)
) -> str:
    with app.app_context():
        minted = mint_invite(actor="tests", ttl=ttl, issuer=issuer)
        db.session.commit()
        return minted.token


def invite_url_for(
    app: Flask, live_server: LiveServer, flavour: str | None = None, *, issuer: str | None = None
) -> str:
    """``/lti/register?invite=…`` of the live tool; limited to ``flavour``'s issuer if given."""
    if flavour is not None:
        issuer = platform_urls(live_server.lms_url, flavour).issuer
    return invite_url(f"{live_server.tool_url}/lti/register", invite_token(app, issuer=issuer))
