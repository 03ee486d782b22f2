"""One input-cleaning layer for everything the tool receives in a form, before any view runs.

- Every submitted form value (and name) loses its control characters — NUL, the other C0 and
  C1 controls, DEL — except tab, newline and carriage return, and its bidirectional
  embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069), which make text
  display differently from what it is. PostgreSQL refuses NUL in text; nothing else needs them.
- Every value is checked against its field's length limit: ``FIELD_LIMITS`` by field name
  (the column sizes), ``PATTERN_LIMITS`` for numbered fields, ``DEFAULT_LIMIT`` otherwise. A
  longer value is refused with a 422 page (or JSON) naming the field and its limit.
- The address (path and query string) is machine-made: a control character there is refused
  with a 400 page.

The forms (``core.forms.BaseForm``) apply the same rules to every text field:
``clean_text_value`` as a filter and ``limit_for(name)`` as its length limit.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.datastructures import ImmutableMultiDict

from lti_tool.errors import ReciprocalError, ValidationError

UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
URL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

DEFAULT_LIMIT = 10_000
FIELD_LIMITS: dict[str, int] = {
    # Programs, rules, pairs (matching models).
    "title": 200,
    "purpose": 5000,
    "reason": 500,  # a veto's or a do-not-pair entry's reason
    "override_reason": 2000,
    "seniority_claim": 100,
    "department_claim": 100,
    # The learner's intake profile.
    "seniority": 20,
    "department": 100,
    "goal_note": 1000,
    "availability_note": 500,
    "time_zone": 64,
    "interests": 1000,
    "other_languages": 500,
    # The designer's CSV import posts the checked file back (csv_import.MAX_BYTES).
    "content": 2_000_000,
    # Admin: an LMS added by hand (platforms models).
    "name": 200,
    "issuer": 500,
    "client_id": 255,
    "auth_login_url": 1000,
    "auth_token_url": 1000,
    "key_set_url": 1000,
    # What an LMS posts: the signed id_token, the login's storage frame name (launch_states).
    "id_token": 100_000,
    "lti_storage_target": 100,
}
PATTERN_LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(?:goal|metric)-\d+"), 300),  # a program's goals and metrics
    (re.compile(r"(?:skill|new)-\d+"), 100),  # skill names
)


def clean_text_value(value: str | None) -> str | None:
    """The value without control characters (but tab, newline, CR) and bidi overrides."""
    if value is None:
        return None
    return UNWANTED.sub("", value)


def limit_for(name: str) -> int:
    """The most characters field ``name`` may hold."""
    limit = FIELD_LIMITS.get(name)
    if limit is not None:
        return limit
    for pattern, pattern_limit in PATTERN_LIMITS:
        if pattern.fullmatch(name):
            return pattern_limit
    return DEFAULT_LIMIT


class FieldTooLong(ValidationError):
    """A submitted value is longer than its field allows."""

    def __init__(self, name: str, length: int, limit: int):
        label = name.replace("_", " ").replace("-", " ")
        super().__init__(
            f"The field “{label}” has {length:,} characters; it can hold at most {limit:,}.",
            hint=f"Go back, shorten “{label}” to at most {limit:,} characters and send the form "
            "again.",
        )
        self.field = name


def clean_form(form: ImmutableMultiDict) -> ImmutableMultiDict:
    """The form with every name and value cleaned (the same object when nothing changed).

    :raise FieldTooLong: a value is longer than its field's limit.
    """
    changed = False
    items = []
    for name, value in form.items(multi=True):
        if UNWANTED.search(name) or UNWANTED.search(value):
            name, value, changed = UNWANTED.sub("", name), UNWANTED.sub("", value), True
        limit = limit_for(name)
        if len(value) > limit:
            raise FieldTooLong(name, len(value), limit)
        items.append((name, value))
    return ImmutableMultiDict(items) if changed else form


def clean_request() -> None:
    """A ``before_request`` hook: refuse control characters in the address, clean the form.

    :raise ReciprocalError: a control character in the path or query string (400).
    :raise FieldTooLong: a form value is longer than its field's limit (422).
    """
    parts = [
        *(request.view_args or {}).values(),
        *(part for item in request.args.items(multi=True) for part in item),
    ]
    if any(isinstance(part, str) and URL_CONTROL.search(part) for part in parts):
        raise ReciprocalError(
            "The address contains control characters, which no page of the tool uses.",
            hint="Check the address, or go back to your course and open the tool again.",
        )
    if request.method in ("POST", "PUT", "PATCH") and request.form:
        request.form = clean_form(request.form)
