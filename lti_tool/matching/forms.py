"""Form validation for programs, matching rules, the skill catalogue and the intake profile.

Plain functions: each takes the submitted form (a mapping with ``getlist``) and returns the
cleaned values, or ``None`` with a ``{field: message}`` dict saying what to fix. The choices
shown on the pages live in ``labels`` (shared with the presenters); the pages read them as
``forms.*``, so a page and its validation cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, Protocol

from lti_tool.matching.engine.candidates import MAX_WEIGHT, Weights
from lti_tool.matching.labels import (
    AVAILABILITY,
    CADENCES,
    LANGUAGES,
    LEARNING_GOALS,
    OBJECTIVES,
    OPENNESS,
    SENIORITY_SOURCES,
    SENIORITY_UNITS,
    SKILL_KINDS,
)
from lti_tool.matching.labels import CADENCE_PHRASES as CADENCE_PHRASES  # read by the pages
from lti_tool.matching.labels import CAREER_LEVELS as CAREER_LEVELS  # read by the pages
from lti_tool.matching.labels import LENGTHS as LENGTHS  # read by the pages
from lti_tool.matching.labels import WEIGHT_LABELS as WEIGHT_LABELS  # read by the pages
from lti_tool.matching.profiles import (
    FieldError,
    ProfileAnswers,
    clean_text,
    parse_department,
    parse_seniority,
)
from lti_tool.matching.programs import ProgramValues, RulesValues, SkillEdit
from lti_tool.matching.time_zones import current_zone, zone_groups


class FormData(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...


Errors = dict[str, str]

MAX_GOAL_ROWS = 8
MIN_GOAL_ROWS = 3
# A start date further away than this is almost surely a typo in the year.
START_DATE_WINDOW = (dt.timedelta(days=366), dt.timedelta(days=5 * 366))
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _number(form: FormData, name: str, errors: Errors, low: float, high: float,
            *, whole: bool = False, blank: float | None = None) -> float | None:
    text = (form.get(name) or "").strip().replace(",", ".")
    if not text:
        if blank is None:
            errors[name] = "Enter a number."
        return blank
    try:
        number = float(text)
    except ValueError:
        errors[name] = f"“{text}” is not a number."
        return None
    if not math.isfinite(number) or not low <= number <= high or (whole and number != int(number)):
        kind = "a whole number" if whole else "a number"
        errors[name] = f"Enter {kind} from {low:g} to {high:g}."
        return None
    return number


def _choice(form: FormData, name: str, choices: Iterable[str], errors: Errors,
            message: str) -> str:
    value = (form.get(name) or "").strip()
    if value not in choices:
        errors[name] = message
    return value


def _text(form: FormData, name: str, errors: Errors, max_length: int, *,
          required: str | None = None) -> str:
    try:
        text = clean_text(form.get(name), max_length)
    except FieldError as error:
        errors[name] = str(error)
        return ""
    if required and not text:
        errors[name] = required
    return text


def goal_rows(goals: list[dict] | None, form: FormData | None = None) -> list[dict]:
    """Rows for the goals table: as many rows as were submitted (so a refused form looks as
    it was sent), else the stored goals plus two blank rows; at least three."""
    if form is not None:
        sent = [i for i in range(MAX_GOAL_ROWS)
                if form.get(f"goal-{i}") is not None or form.get(f"metric-{i}") is not None]
        count = max(MIN_GOAL_ROWS, max(sent, default=-1) + 1)
        return [{"goal": form.get(f"goal-{i}", ""), "metric": form.get(f"metric-{i}", "")}
                for i in range(count)]
    rows = [dict(g) for g in (goals or [])][:MAX_GOAL_ROWS]
    return rows + [{"goal": "", "metric": ""}] * (
        min(MAX_GOAL_ROWS, max(MIN_GOAL_ROWS, len(rows) + 2)) - len(rows))


def validate_program(form: FormData, *, today: dt.date | None = None,
                     current_start: dt.date | None = None
                     ) -> tuple[ProgramValues | None, Errors]:
    """A program's details: title, purpose, goals with metrics, start, length, cadence.

    A start date more than a year ago or more than five years ahead is refused as a likely
    typo, unless it is the program's ``current_start`` (an edit that keeps it).
    """
    errors: Errors = {}
    title = _text(form, "title", errors, 200, required="Give the program a name.")
    purpose = _text(form, "purpose", errors, 5000,
                    required="Say why the program exists: what it should change.")
    goals = []
    for i in range(MAX_GOAL_ROWS):
        goal = _text(form, f"goal-{i}", errors, 300)
        metric = _text(form, f"metric-{i}", errors, 300)
        if goal and not metric:
            errors[f"metric-{i}"] = "Say how you will measure this goal."
        elif metric and not goal:
            errors[f"goal-{i}"] = "Name the goal this metric measures."
        elif goal:
            goals.append({"goal": goal, "metric": metric})
    if not goals and "goal-0" not in errors and "metric-0" not in errors:
        errors["goal-0"] = "Add at least one organisational goal with its success metric."
    starts_on = None
    raw_start = (form.get("starts_on") or "").strip()
    try:
        starts_on = dt.date.fromisoformat(raw_start)
    except ValueError:
        errors["starts_on"] = ("Give the start date as a date (YYYY-MM-DD)." if raw_start
                               else "Give the start date.")
    if starts_on is not None and starts_on != current_start:
        today = today or dt.date.today()
        past, future = START_DATE_WINDOW
        day = f"{starts_on.day} {starts_on:%B %Y}"
        if starts_on < today - past:
            errors["starts_on"] = f"{day} is more than a year ago: check the year."
        elif starts_on > today + future:
            errors["starts_on"] = f"{day} is more than five years ahead: check the year."
    length = _number(form, "length_months", errors, 3, 12, whole=True)
    cadence = _choice(form, "cadence", CADENCES, errors,
                      "Choose how often partners meet: at least monthly.")
    if errors:
        return None, errors
    return ProgramValues(
        title=title, purpose=purpose, goals=goals, starts_on=starts_on,
        length_months=int(length), cadence=cadence, is_pilot=form.get("is_pilot") == "on",
    ), errors


def validate_rules(form: FormData) -> tuple[RulesValues | None, Errors]:
    """Matching rules, score weights and where seniority and department come from."""
    errors: Errors = {}
    unit = _choice(form, "seniority_unit", SENIORITY_UNITS, errors, "Choose a seniority scale.")
    gap = _number(form, "min_seniority_gap", errors, 0, 40)
    source = _choice(form, "seniority_source", SENIORITY_SOURCES, errors,
                     "Choose where seniority and department come from.")
    claims = {}
    for name, default in (("seniority_claim", "seniority_level"), ("department_claim",
                                                                   "department")):
        value = (form.get(name) or "").strip() or default
        if not CLAIM_NAME.match(value):
            errors[name] = ("A custom claim name has letters, digits, “_”, “-”, “.” or “:” "
                            "only, up to 100 characters.")
        claims[name] = value
    max_gap = _number(form, "max_timezone_gap_hours", errors, 0, 26, blank=-1.0)
    capacity = _number(form, "mentor_capacity", errors, 1, 10, whole=True)
    objective = _choice(form, "objective", OBJECTIVES, errors, "Choose an objective.")
    weights = {}
    for field in fields(Weights):
        value = _number(form, f"weight_{field.name}", errors, 0, MAX_WEIGHT)
        weights[field.name] = value if value is not None else 0.0
    if errors:
        return None, errors
    return RulesValues(
        seniority_unit=unit, min_seniority_gap=gap, seniority_source=source,
        seniority_claim=claims["seniority_claim"], department_claim=claims["department_claim"],
        exclude_same_department=form.get("exclude_same_department") == "on",
        respect_department_preference=form.get("respect_department_preference") == "on",
        exclude_same_reporting_line=form.get("exclude_same_reporting_line") == "on",
        require_shared_language=form.get("require_shared_language") == "on",
        max_timezone_gap_hours=None if max_gap == -1.0 else max_gap,
        mentor_capacity=int(capacity), objective=objective, weights=weights,
    ), errors


def validate_catalogue(form: FormData, skill_ids: Iterable[int],
                       new_rows: int) -> tuple[tuple[list[SkillEdit], list[SkillEdit]] | None,
                                                Errors]:
    """Renames, kinds and removals of existing skills, and new skills (blank rows ignored).

    Returns (edits of existing skills, new skills); ``SkillEdit.skill_id`` is None for new ones.
    """
    errors: Errors = {}
    edits, added, seen = [], [], {}

    def check(key: str, name: str) -> None:
        folded = name.casefold()
        if folded in seen:
            errors[key] = f"“{name}” is already in the catalogue."
        seen[folded] = key

    for skill_id in skill_ids:
        key = f"skill-{skill_id}"
        name = _text(form, key, errors, 100).replace("\n", " ")
        remove = form.get(f"remove-{skill_id}") == "on"
        kind = form.get(f"kind-{skill_id}") if form.get(f"kind-{skill_id}") in SKILL_KINDS \
            else "digital"
        if not remove:
            if not name and key not in errors:
                errors[key] = "Give the skill a name, or tick Remove."
            elif name:
                check(key, name)
        edits.append(SkillEdit(skill_id=skill_id, name=name, kind=kind, remove=remove))
    for i in range(new_rows):
        key = f"new-{i}"
        name = _text(form, key, errors, 100).replace("\n", " ")
        if name:
            check(key, name)
            kind = form.get(f"new-kind-{i}")
            added.append(SkillEdit(None, name, kind if kind in SKILL_KINDS else "digital"))
    if not errors and not added and all(e.remove for e in edits):
        errors["catalogue"] = "Keep at least one skill: learners choose from the catalogue."
    return (None, errors) if errors else ((edits, added), errors)


def time_zones() -> dict[str, list]:
    """Today's time zones grouped by region (``time_zones.Zone``: name and label)."""
    return zone_groups()


def split_tags(value: object, *, limit: int, max_length: int = 60) -> list[str]:
    """``"Podcasts, chess ;cycling"`` → ``["podcasts", "chess", "cycling"]`` (lower case,
    unique, in order).

    :raise FieldError: more than ``limit`` entries, or one longer than ``max_length``.
    """
    tags: list[str] = []
    for part in re.split(r"[,;\n]", str(value or "")):
        tag = re.sub(r"\s+", " ", part).strip().lower()
        if not tag or tag in tags:
            continue
        if len(tag) > max_length:
            raise FieldError(f"Keep each entry under {max_length} characters.")
        tags.append(tag)
    if len(tags) > limit:
        raise FieldError(f"List at most {limit}, separated by commas.")
    return tags


def languages_from(form: FormData, errors: Errors) -> list[str]:
    chosen = [lang for lang in LANGUAGES if lang in form.getlist("languages")]
    known = {lang.casefold(): lang for lang in LANGUAGES}
    try:
        others = split_tags(form.get("other_languages"), limit=10, max_length=40)
    except FieldError as error:
        errors["other_languages"] = str(error)
        others = []
    for other in others:
        name = known.get(other.casefold(), other.title())
        if name not in chosen:
            chosen.append(name)
    if not chosen and "other_languages" not in errors:
        errors["languages"] = "Choose at least one language you can mentor in."
    return chosen


def validate_intake(
    form: FormData,
    *,
    unit: str,
    ask_seniority: bool,
    ask_department: bool,
    skill_ids: set[int],
    colleague_ids: set[int],
) -> tuple[ProfileAnswers | None, Errors]:
    """The learner's intake answers. ``colleague_ids`` are the people of the learner's course
    they may name as their manager; anyone else is refused."""
    errors: Errors = {}
    seniority = department = None
    if ask_seniority:
        try:
            seniority = parse_seniority(form.get("seniority"), unit)
        except FieldError as error:
            errors["seniority"] = str(error)
    if ask_department:
        try:
            department = parse_department(form.get("department"))
        except FieldError as error:
            errors["department"] = str(error)
    manager_id = None
    raw_manager = (form.get("manager_id") or "").strip()
    if raw_manager:
        if raw_manager.isdigit() and int(raw_manager) in colleague_ids:
            manager_id = int(raw_manager)
        else:
            errors["manager_id"] = "Choose your manager from the list, or leave it empty."
    picked = {}
    for direction in ("offered", "wanted"):
        ids = {int(v) for v in form.getlist(f"skills_{direction}") if v.isdigit()}
        picked[direction] = sorted(ids & skill_ids)
        if not picked[direction]:
            errors[f"skills_{direction}"] = (
                "Choose at least one skill you can offer." if direction == "offered"
                else "Choose at least one skill you would like to learn.")
    try:
        interests = split_tags(form.get("interests"), limit=15)
    except FieldError as error:
        errors["interests"] = str(error)
        interests = []
    goals = [g for g in LEARNING_GOALS if g in form.getlist("goals")]
    goal_note = _text(form, "goal_note", errors, 1000)
    if not goals and not goal_note and "goal_note" not in errors:
        errors["goals"] = "Choose at least one learning goal, or write your own."
    languages = languages_from(form, errors)
    time_zone = current_zone((form.get("time_zone") or "").strip())
    if time_zone is None:
        errors["time_zone"] = "Choose the time zone you work in."
    availability = [key for key in AVAILABILITY if key in form.getlist("availability")]
    availability_note = _text(form, "availability_note", errors, 500)
    if not availability and not availability_note and "availability_note" not in errors:
        errors["availability"] = "Tell us when you could meet: tick a time or add a note."
    openness = _choice(form, "open_to_other_department", OPENNESS, errors,
                       "Say whether a partner from another department is welcome.")
    if errors:
        return None, errors
    return ProfileAnswers(
        seniority=seniority, department=department, manager_id=manager_id,
        offered_skill_ids=picked["offered"], wanted_skill_ids=picked["wanted"],
        interests=interests, goals=goals, goal_note=goal_note or None, languages=languages,
        time_zone=time_zone, availability=availability,
        availability_note=availability_note or None,
        open_to_other_department=openness == "yes",
        is_champion=form.get("is_champion") == "on",
        consents_to_share=form.get("consents_to_share") == "on",
    ), errors
