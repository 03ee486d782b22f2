"""How the tool's forms are written: WTForms ``Form`` classes on ``BaseForm``.

- ``BaseForm`` reads the submitted request (``request.form`` and ``request.files``) by itself,
  without WTForms' CSRF: the tool's own check (``core.security``) covers every unsafe request.
- Every text field gets the input hygiene of ``core.input``: ``clean_text_value`` as a filter
  and ``limit_for(field name)`` as its length limit, so a limit is stated once, in
  ``core.input.FIELD_LIMITS``.
- A field shows back exactly what was sent after a refused submit (``field._value()``).
- Errors are read by field: ``form.messages`` (name → first message, form-level errors under
  ``form.form_error_key``) for code and tests, ``form.summary`` (field id → message) for the
  error summary at the top of a page; ``templates/_form.html`` renders both.

A form turns request data into the plain values a service takes (``ProgramValues``, …); the
services never see a form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import wtforms
from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.validators import StopValidation, ValidationError

from lti_tool.core.input import clean_text_value, limit_for

AUTO: Any = object()  # BaseForm(formdata=AUTO): the current request's form, when it posted one
POSTED = ("POST", "PUT", "PATCH")


def hygiene(value: Any) -> Any:
    """A text value without control characters and bidi overrides (``core.input``)."""
    return clean_text_value(value) if isinstance(value, str) else value


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def tidy(value: Any) -> Any:
    """Trimmed text with inner runs of spaces made single (newlines kept, CRLF made LF)."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").strip()
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))


def one_line(value: Any) -> Any:
    """``tidy`` and on one line (a name)."""
    value = tidy(value)
    return value.replace("\n", " ") if isinstance(value, str) else value


class MaxLength:
    """At most ``limit`` characters; stops the field's other checks when it fails."""

    def __init__(
        self, limit: int, message: str = _l("Use at most {limit} characters (this has {length}).")
    ) -> None:
        self.limit = limit
        self.message = message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if isinstance(field.data, str) and len(field.data) > self.limit:
            field.errors[:] = []
            raise StopValidation(self.message.format(limit=self.limit, length=len(field.data)))


class Required:
    """Something must be given; ``message`` says what (stops the field's other checks)."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if (
            field.data is None
            or (isinstance(field.data, str) and not field.data.strip())
            or field.data == []
        ):
            field.errors[:] = []
            raise StopValidation(str(self.message))


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme in ("https", "http") and bool(parts.netloc)


class WebUrl:
    """A full http(s) URL (an empty field is refused too)."""

    def __init__(self, message: str = _l("Enter a full URL starting with https://.")) -> None:
        self.message = message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if not is_web_url(field.data or ""):
            raise ValidationError(str(self.message))


class TextField(wtforms.StringField):
    """A text input that shows back what was sent (cleaned of control characters)."""

    def _value(self) -> str:
        if self.raw_data:
            return hygiene(self.raw_data[0])
        return "" if self.data is None else str(self.data)


class TextAreaField(TextField):
    widget = wtforms.widgets.TextArea()


class ChoiceField(TextField):
    """One of ``choices`` (keys compared as text), else ``message``."""

    def __init__(
        self,
        label: str | None = None,
        validators: Iterable | None = None,
        *,
        choices: Iterable[Any],
        message: str,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("filters", (strip,))
        super().__init__(label, validators, **kwargs)
        self.choices = [str(choice) for choice in choices]
        self.message = message

    def pre_validate(self, form: wtforms.Form) -> None:
        if self.data is None or str(self.data) not in self.choices:
            raise StopValidation(str(self.message))


class NumberField(TextField):
    """A number from ``low`` to ``high`` (a comma works as the decimal mark); an empty field is
    refused unless ``optional`` (then ``data`` is None). ``data`` is the number."""

    def __init__(
        self,
        label: str | None = None,
        validators: Iterable | None = None,
        *,
        low: float,
        high: float,
        whole: bool = False,
        optional: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.low, self.high, self.whole, self.optional = low, high, whole, optional
        self.text: str | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        self.text = hygiene(valuelist[0] if valuelist else "").strip().replace(",", ".")
        self.data = None

    def pre_validate(self, form: wtforms.Form) -> None:
        if self.text is None:  # not submitted: the number given to the form
            return
        if not self.text:
            if not self.optional:
                raise StopValidation(_("Enter a number."))
            return
        try:
            number = float(self.text)
        except ValueError:
            raise StopValidation(_("“%(text)s” is not a number.", text=self.text)) from None
        if (
            not math.isfinite(number)
            or not self.low <= number <= self.high
            or (self.whole and number != int(number))
        ):
            low, high = f"{self.low:g}", f"{self.high:g}"
            if self.whole:
                raise StopValidation(
                    _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
                )
            raise StopValidation(_("Enter a number from %(low)s to %(high)s.", low=low, high=high))
        self.data = number

    def _value(self) -> str:
        if self.raw_data:
            return hygiene(self.raw_data[0])
        return f"{self.data:g}" if isinstance(self.data, int | float) else ""


class MultiChoiceField(wtforms.Field):
    """Checkboxes sharing a name: ``data`` is every value sent, as sent (a page shows them
    back); ``chosen(allowed)`` keeps the allowed ones, in ``allowed``'s order."""

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value or ()]

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = [hygiene(v) for v in valuelist]

    def chosen(self, allowed: Iterable[Any]) -> list[Any]:
        sent = set(self.data or ())
        return [key for key in allowed if str(key) in sent]


BooleanField = wtforms.BooleanField
FileField = wtforms.FileField
HiddenField = wtforms.HiddenField


class BaseForm(wtforms.Form):
    """A form read from the current request (on POST) or shown with ``data``.

    ``BaseForm()`` in a view reads ``request.form`` (and ``request.files``) when the request
    posted, else shows the initial ``data=…``; tests pass a mapping of what a browser sends.
    """

    form_error_key = "form"  # where ``messages`` puts errors about the form as a whole

    class Meta:
        csrf = False  # the launch-bound check in core.security covers every unsafe request

        def bind_field(self, form: wtforms.Form, unbound_field: Any, options: dict) -> Any:
            if issubclass(unbound_field.field_class, wtforms.StringField):
                name = options.get("name") or unbound_field.kwargs.get("name")
                options = {
                    **options,
                    "filters": (hygiene, *unbound_field.kwargs.get("filters", ())),
                    "validators": (
                        MaxLength(limit_for(name)),
                        *(unbound_field.kwargs.get("validators") or ()),
                    ),
                }
            return unbound_field.bind(form=form, **options)

        def wrap_formdata(self, form: wtforms.Form, formdata: Any) -> Any:
            if formdata is not None and not hasattr(formdata, "getlist"):
                return MultiDict(
                    [
                        (key, item)
                        for key, value in formdata.items()
                        for item in (value if isinstance(value, list | tuple) else [value])
                    ]
                )
            return formdata

    def __init__(self, formdata: Mapping | None = AUTO, **kwargs: Any) -> None:
        if formdata is AUTO:
            formdata = None
            if has_request_context() and request.method in POSTED:
                formdata = (
                    CombinedMultiDict([request.files, request.form])
                    if request.files
                    else request.form
                )
        self.submitted = formdata is not None
        if self.submitted:  # a refused form shows exactly what was sent, nothing else
            kwargs.pop("data", None)
            kwargs.pop("obj", None)
        super().__init__(formdata, **kwargs)

    def add_error(self, name: str | None, message: str) -> None:
        """An error found after validation (a service's refusal): on field ``name``, or on
        the form as a whole when ``name`` is None."""
        if name is None:
            self.form_errors = [*self.form_errors, message]
        else:
            self[name].errors = [*self[name].errors, message]

    def error(self, name: str) -> str | None:
        """The field's first error."""
        errors = self[name].errors
        return errors[0] if errors else None

    @property
    def messages(self) -> dict[str, str]:
        """Field name → its first error; errors about the whole form under
        ``form_error_key``."""
        messages = {name: field.errors[0] for name, field in self._fields.items() if field.errors}
        if self.form_errors:
            messages[self.form_error_key] = self.form_errors[0]
        return messages

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(field id, first error) of each refused field, in the form's order: the links of
        the error summary at the top of the page."""
        return [(field.id, field.errors[0]) for field in self if field.errors]

    def value_of(self, name: str) -> str:
        """What the field shows: what was sent, else its initial value."""
        return self[name]._value()

    @classmethod
    def with_fields(
        cls, name: str, fields: Mapping[str, Callable[[], Any] | Any]
    ) -> type[BaseForm]:
        """A subclass with more (numbered) fields: ``{"goal-0": TextField(...), …}``."""
        subclass = type(name, (cls,), {})
        for field_name, field in fields.items():
            setattr(subclass, field_name, field)
        return subclass
