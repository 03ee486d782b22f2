"""The LMS admin's part of Dynamic Registration, over real HTTP (no app or database needed).

``register_tool`` does what an admin does in Moodle's "Add LTI Advantage": it gets a
registration token from the demo LMS, opens the tool's registration URL with
``openid_configuration`` and ``registration_token``, checks the page offers a close button
that posts ``org.imsglobal.lti.close`` (see ``page_offers_close``), and checks the tool really
registered. Used by ``config/gunicorn.conf.py`` on first start, by ``flask demo register``
and by tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import jwt
import requests

CLOSE_SUBJECT = "org.imsglobal.lti.close"
CLOSE_BUTTON_ATTRIBUTE = "data-lti-close"


class RegistrationFailed(RuntimeError):
    """The tool did not complete the registration; the message says what was seen."""


@dataclass(frozen=True)
class RegistrationResult:
    flavour: str
    issuer: str
    client_id: str
    deployment_id: str
    scopes: list[str]
    registration: dict[str, Any] = field(repr=False)
    tool_page: str = field(repr=False, default="")


def with_registration_params(tool_registration_url: str, openid_config: str, token: str) -> str:
    """The tool's registration URL with ``openid_configuration`` and ``registration_token``
    added, keeping any query parameters it already has (as Moodle does)."""
    parts = urlsplit(tool_registration_url)
    extra = urlencode({"openid_configuration": openid_config, "registration_token": token})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class _ClosePage(HTMLParser):
    """A page's scripts (inline text and sources) and its close buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.inline: list[str] = []
        self.close_buttons = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if values.get("src"):
                self.sources.append(str(values["src"]))
        elif CLOSE_BUTTON_ATTRIBUTE in values and (
            tag == "button" or (tag == "input" and values.get("type") in ("button", "submit"))
        ):
            self.close_buttons += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def page_offers_close(page: requests.Response, session: Any, timeout: float) -> bool:
    """Whether the page offers the admin a close button that posts ``org.imsglobal.lti.close``.

    Moodle removes its registration dialog about 10 ms after the message, so a page that
    posts it on load is never read. The demo LMS's static check: a button marked
    ``data-lti-close``, and a script (inline, or one the page loads) that posts the message
    and binds that mark. The browser tests click the button and watch the LMS close.
    """
    parser = _ClosePage()
    parser.feed(page.text)
    if not parser.close_buttons:
        return False
    scripts = list(parser.inline)
    for src in parser.sources:
        try:
            script = session.get(urljoin(page.url, src), timeout=timeout)
        except requests.RequestException:
            continue
        if script.status_code == 200:
            scripts.append(script.text)
    return any(CLOSE_SUBJECT in text and CLOSE_BUTTON_ATTRIBUTE in text for text in scripts)


def _flavour_base(lms_base_url: str, flavour: str) -> str:
    return f"{lms_base_url.rstrip('/')}/{flavour}"


def list_registered(
    lms_base_url: str, flavour: str, session: Any = requests, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The tools registered in ``flavour`` (admin API of the demo LMS)."""
    response = session.get(
        f"{_flavour_base(lms_base_url, flavour)}/admin/api/registrations", timeout=timeout
    )
    response.raise_for_status()
    return response.json()["registrations"]


def register_tool(
    lms_base_url: str,
    flavour: str,
    tool_registration_url: str,
    session: Any = requests,
    *,
    withhold_scopes: tuple[str, ...] | list[str] = (),
    update_client_id: str | None = None,
    timeout: float = 30.0,
) -> RegistrationResult:
    """Register the tool at ``tool_registration_url`` in ``flavour`` of the demo LMS.

    ``withhold_scopes`` are scopes the admin refuses to grant (the tool must read back the
    granted ``scope``). ``update_client_id`` re-registers that tool as an update (Moodle's
    ``reg-update``). ``session`` is ``requests`` or a ``requests.Session``.

    :raise RegistrationFailed: when the LMS or the tool fails, the tool's page offers no
        button that posts the ``org.imsglobal.lti.close`` message, or no registration arrived.
    """
    base = _flavour_base(lms_base_url, flavour)
    try:
        minted = session.post(
            f"{base}/admin/api/registration-tokens",
            json={"withhold_scopes": list(withhold_scopes), "update_client_id": update_client_id},
            timeout=timeout,
        )
        minted.raise_for_status()
        data = minted.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationFailed(f"the demo LMS gave no registration token: {exc}") from exc
    token = data["registration_token"]
    url = with_registration_params(tool_registration_url, data["openid_configuration"], token)
    try:
        page = session.get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise RegistrationFailed(f"the tool's registration URL did not answer: {exc}") from exc
    if page.status_code != 200:
        raise RegistrationFailed(
            f"the tool answered {page.status_code} to {tool_registration_url}: {page.text[:300]!r}"
        )
    if not page_offers_close(page, session, timeout):
        raise RegistrationFailed(
            f"the tool's page offers no {CLOSE_BUTTON_ATTRIBUTE} button that posts "
            f"{{subject: '{CLOSE_SUBJECT}'}}: {page.text[:300]!r}"
        )
    # A new tool's client_id is the token's sub; an update's sub is the tool type id.
    client_id = update_client_id or jwt.decode(token, options={"verify_signature": False})["sub"]
    found = session.get(f"{base}/admin/api/registrations/{client_id}", timeout=timeout)
    if found.status_code != 200:
        raise RegistrationFailed(
            "the tool's page looked fine but no registration reached the LMS "
            f"(client_id {client_id} unknown)"
        )
    registration = found.json()
    return RegistrationResult(
        flavour=flavour,
        issuer=data["issuer"],
        client_id=client_id,
        deployment_id=registration["deployment_id"],
        scopes=list(registration["scopes"]),
        registration=registration,
        tool_page=page.text,
    )
