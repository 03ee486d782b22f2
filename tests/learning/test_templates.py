"""Path templates: every template is valid, and the loader refuses broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.learning.models import StepKind
from lti_tool.learning.template_library import (
    TemplateError,
    load_templates,
    parse_template,
)

TOPICS = (
    "digital tools",
    "social media",
    "generational perspectives",
    "diversity and inclusion",
    "industry trends",
    "leadership and career",
)


def test_every_template_is_valid() -> None:
    templates = load_templates()
    assert set(templates) == {"pilot-6-months", "sprint-3-months", "program-12-months"}
    for template in templates.values():
        kinds = {s.kind for s in template.steps}
        assert {
            StepKind.MODULE,
            StepKind.AGREEMENT,
            StepKind.MEETING,
            StepKind.SURVEY,
            StepKind.REFLECTION,
            StepKind.MILESTONE,
        } <= kinds, template.key
        for step in template.steps:
            assert 0 <= step.due_offset_days <= template.length_days
            assert step.kind != StepKind.SURVEY or step.questions
            assert step.kind != StepKind.MEETING or len(step.starters) >= 3
            assert step.content and step.instructions, step.title
            assert "lorem" not in (step.content + step.instructions).lower()


def test_pilot_has_what_the_seeds_ask_for() -> None:
    pilot = load_templates()["pilot-6-months"]
    assert pilot.length_months == 6
    modules = [s for s in pilot.steps if s.kind == StepKind.MODULE]
    assert {s.audience.value for s in modules} == {"mentors", "mentees"}
    for module in modules:
        text = module.content.lower()
        assert "confidential" in text and "feedback" in text and "expect" in text
    meetings = [s for s in pilot.steps if s.kind == StepKind.MEETING]
    assert len(meetings) == 6
    assert [t for t in TOPICS if not any(t in m.title.lower() for m in meetings)] == []
    assert [s.title for s in pilot.steps if s.kind == StepKind.SURVEY] == [
        "Mid-point survey",
        "Final survey",
    ]
    assert sum(s.kind == StepKind.REFLECTION for s in pilot.steps) == 1
    milestones = [s for s in pilot.steps if s.kind == StepKind.MILESTONE]
    assert len(milestones) == 2 and milestones[-1] == pilot.steps[-1]
    assert all(s.points > 0 for s in pilot.steps if s.kind != StepKind.MILESTONE)


def _raw(**step) -> dict:
    base = {
        "kind": "module",
        "title": "A",
        "graded": True,
        "points": 5,
        "due_offset_days": 10,
        "instructions": "Read.",
        "content": "Text.",
    }
    return {"title": "T", "length_months": 3, "steps": [{**base, **step}]}


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"kind": "webinar"}, "unknown kind"),
        ({"audience": "everyone"}, "unknown audience"),
        ({"due_offset_days": 200}, "due after"),
        ({"graded": True, "points": 0}, "graded step needs points"),
        ({"graded": False, "points": 5}, "not graded has 0 points"),
        ({"kind": "survey"}, "survey needs questions"),
        ({"kind": "meeting"}, "meeting needs discussion starters"),
        ({"kind": "agreement", "audience": "mentors"}, "for both partners"),
        ({"colour": "red"}, "unknown fields"),
        ({"use": "nothing-like-this"}, "no shared step"),
        (
            {"kind": "survey", "questions": [{"kind": "stars", "prompt": "?"}]},
            "unknown question kind",
        ),
    ],
)
def test_loader_refuses_broken_templates(step: dict, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template("broken", _raw(**step), library={})


def test_loader_refuses_steps_out_of_order() -> None:
    raw = _raw()
    raw["steps"].append({**raw["steps"][0], "title": "B", "due_offset_days": 5})
    with pytest.raises(TemplateError, match="due before"):
        parse_template("broken", raw, library={})


def test_a_broken_file_in_the_directory_fails_loading(tmp_path: Path) -> None:
    (tmp_path / "_steps.toml").write_text("")
    (tmp_path / "bad.toml").write_text('title = "Bad"\nlength_months = 6\n')
    with pytest.raises(TemplateError, match="needs steps"):
        load_templates(tmp_path)
