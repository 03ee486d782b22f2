"""The admin's forms for an LMS added or edited by hand (``core.forms.BaseForm``).

They turn the request into the values the services take: ``PlatformValues`` for a new LMS, the
changed fields for an edit. The services check those values again (dynamic registration and the
CLI reach them without a form), with the same rules: required, and full http(s) URLs.
"""

from __future__ import annotations

from lti_tool.core.forms import BaseForm, Required, TextField, WebUrl, strip
from lti_tool.platforms.services import EDITABLE_FIELDS, REQUIRED, URL_NEEDED, PlatformValues


def _text(*validators: object) -> TextField:
    return TextField(filters=(strip,), validators=list(validators))


class PlatformForm(BaseForm):
    """The values an admin copies from the LMS into the tool."""

    name = _text(Required(REQUIRED))
    issuer = _text(Required(REQUIRED), WebUrl(URL_NEEDED))
    client_id = _text(Required(REQUIRED))
    auth_login_url = _text(WebUrl(URL_NEEDED))
    auth_token_url = _text(WebUrl(URL_NEEDED))
    key_set_url = _text(WebUrl(URL_NEEDED))
    deployment_ids = _text()

    def values(self) -> PlatformValues:
        """The checked values (after ``validate()``)."""
        return PlatformValues(
            name=self.name.data,
            issuer=self.issuer.data,
            client_id=self.client_id.data,
            auth_login_url=self.auth_login_url.data,
            auth_token_url=self.auth_token_url.data,
            key_set_url=self.key_set_url.data,
            deployment_ids=tuple((self.deployment_ids.data or "").replace(",", " ").split()),
        )


class EditPlatformForm(BaseForm):
    """A platform's name and endpoints; issuer and client id are its identity and stay."""

    name = _text(Required(REQUIRED))
    auth_login_url = _text(WebUrl(URL_NEEDED))
    auth_token_url = _text(WebUrl(URL_NEEDED))
    key_set_url = _text(WebUrl(URL_NEEDED))
    auth_audience = _text()

    def values(self) -> dict[str, str]:
        """The fields ``edit_platform`` takes (after ``validate()``)."""
        return {field: self[field].data or "" for field in EDITABLE_FIELDS}
