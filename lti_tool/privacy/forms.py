"""The admin's data-rights forms: find a person, confirm an erasure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lti_tool.core.forms import BaseForm, Required, TextField, strip


class PersonLookupForm(BaseForm):
    """A person is their LMS's issuer and their user id (``sub``) there."""

    issuer = TextField(
        _l("LMS issuer"), filters=(strip,), validators=[Required(_l("Enter the LMS's issuer."))]
    )
    sub = TextField(
        _l("User id in the LMS (sub)"),
        filters=(strip,),
        validators=[Required(_l("Enter the user id."))],
    )


class EraseForm(BaseForm):
    """Typing ERASE confirms; anything else is refused with a message on the field."""

    confirm = TextField(
        _l("Type ERASE to confirm"),
        filters=(strip,),
        validators=[Required(_l("Type ERASE to confirm."))],
    )

    def validate(self, extra_validators: object = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.confirm.data != "ERASE":
            self.add_error("confirm", str(_l("Type ERASE, in capitals, to confirm.")))
            return False
        return True
