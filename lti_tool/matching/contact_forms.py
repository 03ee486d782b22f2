"""Forms of the partner page (a proposed meeting time, the email setting) and of ending a
pair. Each turns what was posted into the plain values the services take."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

from lti_tool.core.forms import BaseForm, ChoiceField, NumberField, TextAreaField, TextField, strip
from lti_tool.matching.contact import MAX_MINUTES, MIN_MINUTES, ProposalValues
from lti_tool.matching.time_zones import current_zone

DURATIONS = (30, 45, 60, 90)


class MeetingProposalForm(BaseForm):
    """A date, a start time, a length in minutes and the time zone they are meant in."""

    on = TextField(id="meeting-on", filters=(strip,))
    at = TextField(id="meeting-at", filters=(strip,))
    duration = NumberField(id="meeting-duration", low=MIN_MINUTES, high=MAX_MINUTES, whole=True)
    time_zone = TextField(id="meeting-zone", filters=(strip,))

    def validate_on(self, field: Field) -> None:
        try:
            field.data = dt.date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_l("Enter the date as YYYY-MM-DD.")) from None

    def validate_at(self, field: Field) -> None:
        try:
            field.data = dt.time.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_l("Enter the start time as HH:MM.")) from None

    def validate_time_zone(self, field: Field) -> None:
        zone = current_zone(field.data or "")
        if zone is None:
            raise ValidationError(_l("Choose a time zone from the list."))
        field.data = zone

    def values(self) -> ProposalValues:
        return ProposalValues(
            on=self.on.data,
            at=self.at.data,
            duration_minutes=int(self.duration.data),
            time_zone=self.time_zone.data,
        )


class EmailSettingForm(BaseForm):
    """``email=on`` or ``email=off``."""

    email = ChoiceField(choices=("on", "off"), message=_l("Choose on or off."))

    @property
    def wanted(self) -> bool:
        return self.email.data == "on"


class EndPairForm(BaseForm):
    """Asked before a pair ends: ``confirmed=yes``, the reason, and whether to rematch."""

    confirmed = TextField()
    reason = TextAreaField(id="end-reason", filters=(strip,))
    rematch = ChoiceField(
        choices=("yes", "no"), message=_l("Say whether both should get a new partner.")
    )

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"

    def validate_reason(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Say why the pair ends: both partners are told."))
