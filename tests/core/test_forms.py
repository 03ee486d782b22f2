"""The forms' base (lti_tool.core.forms): input hygiene and length limits of core/input.py,
reading the request, and errors shown with the field's id."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from werkzeug.datastructures import MultiDict

from lti_tool.core.forms import BaseForm, NumberField, Required, TextField, tidy
from lti_tool.core.input import DEFAULT_LIMIT, FIELD_LIMITS, limit_for


class TitleForm(BaseForm):
    title = TextField(validators=[Required("Give it a name.")], filters=(tidy,))
    count = NumberField(low=1, high=10, whole=True)


def test_text_is_cleaned_of_control_and_bidi_characters() -> None:
    form = TitleForm(MultiDict({"title": "Pi\x00lot\u202e  2026\x7f", "count": "2"}))
    assert form.validate(), form.errors
    assert form.title.data == "Pilot 2026"
    assert form.title._value() == "Pilot  2026"  # shown back as sent, cleaned


@pytest.mark.parametrize(
    "name",
    [
        "title",
        "purpose",
        "reason",
        "override_reason",
        "goal-3",
        "skill-12",
        "department",
        "name",
        "anything_else",
    ],
)
def test_each_text_field_has_the_limit_of_core_input(name: str) -> None:
    limit = limit_for(name)
    assert limit == FIELD_LIMITS.get(name, limit)  # one table of limits, used as is
    form_class = BaseForm.with_fields("OneField", {name: TextField()})
    assert form_class({name: "x" * limit}).validate()
    too_long = form_class({name: "x" * (limit + 1)})
    assert not too_long.validate()
    assert too_long.messages == {name: f"Use at most {limit} characters (this has {limit + 1})."}
    assert limit_for("anything_else") == DEFAULT_LIMIT


def test_too_long_stops_the_other_checks() -> None:
    form = TitleForm({"title": "x" * 201, "count": "3"})
    assert not form.validate() and form.title.errors == [
        "Use at most 200 characters (this has 201)."
    ]
    blank = TitleForm({"title": " " * 201, "count": "3"})  # filters run first: it is empty
    assert not blank.validate() and blank.title.errors == ["Give it a name."]


def test_numbers_and_required_values_say_what_to_do() -> None:
    form = TitleForm({"title": "  ", "count": "11"})
    assert not form.validate()
    assert form.messages == {
        "title": "Give it a name.",
        "count": "Enter a whole number from 1 to 10.",
    }
    assert TitleForm({"title": "a", "count": "two"}).messages == {}  # not validated yet
    refused = TitleForm({"title": "a", "count": "two"})
    refused.validate()
    assert refused.messages == {"count": "“two” is not a number."}


def test_the_form_reads_the_post_and_keeps_initial_values_for_a_get(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"title": "Sent", "count": "4"}):
        form = TitleForm(data={"title": "Stored", "count": 2})
        assert form.submitted and form.title.data == "Sent" and form.count._value() == "4"
    with app.test_request_context("/", method="POST", data={"count": "4"}):
        form = TitleForm(data={"title": "Stored"})
        assert not form.validate() and form.title.data is None  # never the stored value
    with app.test_request_context("/", method="GET", query_string={"title": "URL"}):
        form = TitleForm(data={"title": "Stored", "count": 2})
        assert not form.submitted and form.title._value() == "Stored"
        assert form.count._value() == "2"
    assert "csrf_token" not in TitleForm(formdata=None)._fields  # core.security checks it


def test_errors_are_rendered_with_the_fields_id(app: Flask) -> None:
    page = """{% import "_form.html" as f %}{{ f.summary(form) }}
{{ f.input(form.title, 'Title', help='Say it short.', required=true) }}
{{ f.input(form.count, 'Count', type='number') }}"""
    with app.test_request_context("/"):
        form = TitleForm({"title": "", "count": "5"})
        form.validate()
        form.add_error("count", "Someone else took that number.")
        html = render_template_string(page, form=form)
    assert '<label for="title">Title <span class="required">(required)</span></label>' in html
    assert (
        'id="title" name="title" type="text" value="" aria-describedby="title-help '
        'title-error" aria-invalid="true" required' in html
    )
    assert '<p class="field-error" id="title-error">Give it a name.</p>' in html
    assert (
        'id="count" name="count" type="number" value="5" aria-describedby="count-error"' in html
        and "Someone else took that number." in html
    )
    summary = html[: html.index("<label")]
    assert 'data-testid="error-summary"' in summary
    assert "Please correct the 2 highlighted fields below." in summary
    assert '<a href="#title">Give it a name.</a>' in summary
    assert '<a href="#count">Someone else took that number.</a>' in summary
