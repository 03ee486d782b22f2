"""The matching pages' forms: program, rules, do-not-pair, skill catalogue, intake, pair by
hand, veto, status change (close) and CSV upload.

Each is a ``core.forms.BaseForm``: it reads the request, checks it, shows back what was sent,
and gives the plain values the services take (``ProgramValues``, ``RulesValues``, …). The
choices shown on the pages live in ``labels`` (shared with the presenters); the pages read them
as ``forms.*``, so a page and its validation cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import StopValidation, ValidationError

from lti_tool.core.forms import (
    AUTO,
    BaseForm,
    BooleanField,
    ChoiceField,
    FileField,
    MultiChoiceField,
    NumberField,
    Required,
    TextAreaField,
    TextField,
    one_line,
    strip,
    tidy,
)
from lti_tool.core.i18n import format_day
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
    parse_department,
    parse_seniority,
)
from lti_tool.matching.programs import ProgramValues, RulesValues, SkillEdit
from lti_tool.matching.time_zones import current_zone, zone_groups

MAX_GOAL_ROWS = 8
MIN_GOAL_ROWS = 3
# A start date further away than this is almost surely a typo in the year.
START_DATE_WINDOW = (dt.timedelta(days=366), dt.timedelta(days=5 * 366))
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _digits(message: str) -> Any:
    """A validator: an id chosen from a list (digits only)."""

    def check(form: BaseForm, field: Field) -> None:
        if not (field.data or "").isdigit():
            raise StopValidation(str(message))

    return check


# -- the program's details ---------------------------------------------------------------------


class _ProgramDetails(BaseForm):
    title = TextField(validators=[Required(_l("Give the program a name."))], filters=(tidy,))
    purpose = TextAreaField(
        validators=[Required(_l("Say why the program exists: what it should change."))],
        filters=(tidy,),
    )


# Created between ``purpose`` and ``starts_on``: the fields keep the page's order.
_GOALS = {
    f"{kind}-{i}": TextField(filters=(tidy,))
    for i in range(MAX_GOAL_ROWS)
    for kind in ("goal", "metric")
}


class ProgramForm(_ProgramDetails.with_fields("_ProgramGoals", _GOALS)):  # type: ignore[misc]
    """A program's details: title, purpose, goals with metrics, start, length, cadence.

    A start date more than a year ago or more than five years ahead is refused as a likely
    typo, unless it is the program's ``current_start`` (an edit that keeps it).
    """

    starts_on = TextField(filters=(strip,))
    length_months = NumberField(low=3, high=12, whole=True)
    cadence = ChoiceField(
        choices=CADENCES, message=_l("Choose how often partners meet: at least monthly.")
    )
    is_pilot = BooleanField()

    NEW = {"length_months": 6, "cadence": "monthly", "is_pilot": True}

    def __init__(
        self,
        formdata: Any = AUTO,
        *,
        today: dt.date | None = None,
        current_start: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        self.today, self.current_start = today, current_start
        self.goals: list[dict[str, str]] = []
        super().__init__(formdata, **kwargs)

    @staticmethod
    def data_of(program: Any) -> dict[str, Any]:
        """A stored program as the form's initial data."""
        data = {
            "title": program.title,
            "purpose": program.purpose,
            "starts_on": program.starts_on.isoformat(),
            "length_months": program.length_months,
            "cadence": program.cadence,
            "is_pilot": program.is_pilot,
        }
        for i, goal in enumerate((program.goals or [])[:MAX_GOAL_ROWS]):
            data[f"goal-{i}"], data[f"metric-{i}"] = goal.get("goal", ""), goal.get("metric", "")
        return data

    def validate_starts_on(self, field: Field) -> None:
        try:
            starts_on = dt.date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(
                _("Give the start date as a date (YYYY-MM-DD).")
                if field.data
                else _("Give the start date.")
            ) from None
        if starts_on != self.current_start:
            today = self.today or dt.date.today()
            past, future = START_DATE_WINDOW
            day = format_day(starts_on)
            if starts_on < today - past:
                raise ValidationError(
                    _("%(day)s is more than a year ago: check the year.", day=day)
                )
            if starts_on > today + future:
                raise ValidationError(
                    _("%(day)s is more than five years ahead: check the year.", day=day)
                )

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.goals = []
        for i in range(MAX_GOAL_ROWS):
            goal_field, metric_field = self[f"goal-{i}"], self[f"metric-{i}"]
            if goal_field.errors or metric_field.errors:
                continue
            goal, metric = goal_field.data or "", metric_field.data or ""
            if goal and not metric:
                self.add_error(f"metric-{i}", _("Say how you will measure this goal."))
            elif metric and not goal:
                self.add_error(f"goal-{i}", _("Name the goal this metric measures."))
            elif goal:
                self.goals.append({"goal": goal, "metric": metric})
        if not self.goals and not self["goal-0"].errors and not self["metric-0"].errors:
            self.add_error(
                "goal-0", _("Add at least one organisational goal with its success metric.")
            )
        return not self.errors

    def values(self) -> ProgramValues:
        """The checked values (after ``validate()``)."""
        return ProgramValues(
            title=self.title.data,
            purpose=self.purpose.data,
            goals=self.goals,
            starts_on=dt.date.fromisoformat(self.starts_on.data),
            length_months=int(self.length_months.data),
            cadence=self.cadence.data,
            is_pilot=bool(self.is_pilot.data),
        )

    def goal_rows(self) -> list[tuple[Field, Field]]:
        """The goals table's rows: as many as were sent (so a refused form looks as it was
        sent), else the stored goals plus two blank rows; at least three."""
        if self.submitted:
            sent = [
                i
                for i in range(MAX_GOAL_ROWS)
                if self[f"goal-{i}"].raw_data or self[f"metric-{i}"].raw_data
            ]
            count = max(MIN_GOAL_ROWS, max(sent, default=-1) + 1)
        else:
            stored = sum(
                1
                for i in range(MAX_GOAL_ROWS)
                if self[f"goal-{i}"].data or self[f"metric-{i}"].data
            )
            count = min(MAX_GOAL_ROWS, max(MIN_GOAL_ROWS, stored + 2))
        return [(self[f"goal-{i}"], self[f"metric-{i}"]) for i in range(count)]


# -- matching rules and the do-not-pair list ---------------------------------------------------


def _claim_name(default: str) -> Any:
    def check(form: BaseForm, field: Field) -> None:
        field.data = field.data or default  # empty: the usual claim
        if not CLAIM_NAME.match(field.data):
            raise ValidationError(
                _(
                    "A custom claim name has letters, digits, “_”, “-”, “.” or "
                    "“:” only, up to 100 characters."
                )
            )

    return check


class _Rules(BaseForm):
    seniority_unit = ChoiceField(choices=SENIORITY_UNITS, message=_l("Choose a seniority scale."))
    min_seniority_gap = NumberField(low=0, high=40)
    seniority_source = ChoiceField(
        choices=SENIORITY_SOURCES, message=_l("Choose where seniority and department come from.")
    )
    seniority_claim = TextField(filters=(strip,), validators=[_claim_name("seniority_level")])
    department_claim = TextField(filters=(strip,), validators=[_claim_name("department")])
    exclude_same_department = BooleanField()
    respect_department_preference = BooleanField()
    exclude_same_reporting_line = BooleanField()
    require_shared_language = BooleanField()
    max_timezone_gap_hours = NumberField(low=0, high=26, optional=True)
    mentor_capacity = NumberField(low=1, high=10, whole=True)
    objective = ChoiceField(choices=OBJECTIVES, message=_l("Choose an objective."))


WEIGHT_NAMES = [field.name for field in fields(Weights)]


class RulesForm(
    _Rules.with_fields(  # type: ignore[misc]
        "_RulesWeights",
        {f"weight_{name}": NumberField(low=0, high=MAX_WEIGHT) for name in WEIGHT_NAMES},
    )
):
    """Matching rules, score weights and where seniority and department come from."""

    @staticmethod
    def data_of(values: RulesValues) -> dict[str, Any]:
        data = {name: value for name, value in vars(values).items() if name != "weights"}
        data.update({f"weight_{name}": value for name, value in values.weights.items()})
        return data

    def values(self) -> RulesValues:
        """The checked values (after ``validate()``)."""
        data = self.data
        return RulesValues(
            seniority_unit=data["seniority_unit"],
            min_seniority_gap=data["min_seniority_gap"],
            seniority_source=data["seniority_source"],
            seniority_claim=data["seniority_claim"],
            department_claim=data["department_claim"],
            exclude_same_department=data["exclude_same_department"],
            respect_department_preference=data["respect_department_preference"],
            exclude_same_reporting_line=data["exclude_same_reporting_line"],
            require_shared_language=data["require_shared_language"],
            max_timezone_gap_hours=data["max_timezone_gap_hours"],
            mentor_capacity=int(data["mentor_capacity"]),
            objective=data["objective"],
            weights={name: data[f"weight_{name}"] for name in WEIGHT_NAMES},
        )


class DoNotPairForm(BaseForm):
    """Two people of the course who must never be paired, and why (optional)."""

    person_a = TextField(validators=[_digits(_l("Choose a person."))])
    person_b = TextField(validators=[_digits(_l("Choose a second person."))])
    reason = TextField(filters=(tidy,))

    def validate_person_b(self, field: Field) -> None:
        if field.data == self.person_a.data:
            raise ValidationError(_("Choose two different people."))

    def people(self) -> tuple[int, int]:
        return int(self.person_a.data), int(self.person_b.data)


# -- the skill catalogue -----------------------------------------------------------------------


class CatalogueForm(BaseForm):
    """Renames, kinds and removals of existing skills, and new skills (blank rows ignored).
    Build it with ``CatalogueForm.of(skill ids, new rows)``."""

    form_error_key = "catalogue"
    skill_ids: tuple[int, ...] = ()
    new_rows = 0

    @classmethod
    def of(cls, skill_ids: Iterable[int], new_rows: int) -> type[CatalogueForm]:
        skill_ids = tuple(skill_ids)
        fields_: dict[str, Any] = {}
        for skill_id in skill_ids:
            fields_[f"skill-{skill_id}"] = TextField(filters=(one_line,))
            fields_[f"kind-{skill_id}"] = TextField()
            fields_[f"remove-{skill_id}"] = BooleanField()
        for i in range(new_rows):
            fields_[f"new-{i}"] = TextField(filters=(one_line,))
            fields_[f"new-kind-{i}"] = TextField()
        form = cls.with_fields("CatalogueForm", fields_)
        form.skill_ids, form.new_rows = skill_ids, new_rows
        return form  # type: ignore[return-value]

    @staticmethod
    def data_of(skills: Iterable[Any]) -> dict[str, Any]:
        data = {}
        for skill in skills:
            data[f"skill-{skill.id}"], data[f"kind-{skill.id}"] = skill.name, skill.kind
        return data

    def _kind(self, name: str) -> str:
        kind = self[name].data
        return kind if kind in SKILL_KINDS else "digital"

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.edits: list[SkillEdit] = []
        self.added: list[SkillEdit] = []
        seen: set[str] = set()

        def check(key: str) -> None:
            name = self[key].data
            if name.casefold() in seen:
                self.add_error(key, _("“%(name)s” is already in the catalogue.", name=name))
            seen.add(name.casefold())

        for skill_id in self.skill_ids:
            key = f"skill-{skill_id}"
            name = "" if self[key].errors else self[key].data or ""
            remove = bool(self[f"remove-{skill_id}"].data)
            if not remove and not self[key].errors:
                if not name:
                    self.add_error(key, _("Give the skill a name, or tick Remove."))
                else:
                    check(key)
            self.edits.append(
                SkillEdit(
                    skill_id=skill_id, name=name, kind=self._kind(f"kind-{skill_id}"), remove=remove
                )
            )
        for i in range(self.new_rows):
            key = f"new-{i}"
            if self[key].data and not self[key].errors:
                check(key)
                self.added.append(SkillEdit(None, self[key].data, self._kind(f"new-kind-{i}")))
        if not self.errors and not self.added and all(e.remove for e in self.edits):
            self.add_error(None, _("Keep at least one skill: learners choose from the catalogue."))
        return not self.errors

    def changes(self) -> tuple[list[SkillEdit], list[SkillEdit]]:
        """(edits of existing skills, new skills) after ``validate()``; ``SkillEdit.skill_id``
        is None for new ones."""
        return self.edits, self.added


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
            raise FieldError(
                _("Keep each entry under %(limit)d characters.") % {"limit": max_length}
            )
        tags.append(tag)
    if len(tags) > limit:
        raise FieldError(_("List at most %(limit)d, separated by commas.") % {"limit": limit})
    return tags


def languages_from(chosen: list[str], others_field: Field) -> list[str]:
    """The ticked languages, then the others typed in (known names spelled as listed)."""
    known = {lang.casefold(): lang for lang in LANGUAGES}
    try:
        others = split_tags(others_field.data, limit=10, max_length=40)
    except FieldError as error:
        others_field.errors.append(str(error))
        others = []
    for other in others:
        name = known.get(other.casefold(), other.title())
        if name not in chosen:
            chosen.append(name)
    return chosen


class IntakeForm(BaseForm):
    """The learner's intake answers. ``colleague_ids`` are the people of the learner's course
    they may name as their manager; anyone else is refused."""

    seniority = TextField(filters=(strip,))
    department = TextField()
    manager_id = TextField(filters=(strip,))
    skills_offered = MultiChoiceField()
    skills_wanted = MultiChoiceField()
    goals = MultiChoiceField()
    goal_note = TextAreaField(filters=(tidy,))
    interests = TextField()
    languages = MultiChoiceField()
    other_languages = TextField()
    time_zone = TextField(filters=(strip,))
    availability = MultiChoiceField()
    availability_note = TextField(filters=(tidy,))
    open_to_other_department = ChoiceField(
        choices=OPENNESS, message=_l("Say whether a partner from another department is welcome.")
    )
    consents_to_share = BooleanField()
    is_champion = BooleanField()

    def __init__(
        self,
        formdata: Any = AUTO,
        *,
        unit: str,
        ask_seniority: bool,
        ask_department: bool,
        skill_ids: set[int],
        colleague_ids: set[int],
        **kwargs: Any,
    ) -> None:
        self.unit, self.ask_seniority, self.ask_department = unit, ask_seniority, ask_department
        self.skill_ids, self.colleague_ids = skill_ids, colleague_ids
        self.answers: ProfileAnswers | None = None
        super().__init__(formdata, **kwargs)

    @staticmethod
    def data_of(profile: Any, *, own_seniority: bool, own_department: bool) -> dict[str, Any]:
        """A stored, submitted profile as the form's initial data (``own_*``: the value was
        the learner's answer, not from the organisation's records)."""
        return {
            "seniority": f"{profile.seniority:g}"
            if own_seniority and profile.seniority is not None
            else "",
            "department": profile.department if own_department else "",
            "manager_id": str(profile.manager_id) if profile.manager_id else "",
            "skills_offered": [
                link.skill_id for link in profile.skill_links if link.direction == "offered"
            ],
            "skills_wanted": [
                link.skill_id for link in profile.skill_links if link.direction == "wanted"
            ],
            "goals": profile.goals,
            "goal_note": profile.goal_note or "",
            "languages": [lang for lang in profile.languages if lang in LANGUAGES],
            "other_languages": ", ".join(
                lang for lang in profile.languages if lang not in LANGUAGES
            ),
            "interests": ", ".join(profile.interests),
            "time_zone": current_zone(profile.time_zone) or "",
            "availability": profile.availability,
            "availability_note": profile.availability_note or "",
            "open_to_other_department": "yes" if profile.open_to_other_department else "no",
            "consents_to_share": profile.consents_to_share,
            "is_champion": profile.is_champion,
        }

    NEW = {"open_to_other_department": "yes"}

    def validate_seniority(self, field: Field) -> None:
        if self.ask_seniority:
            try:
                field.data = parse_seniority(field.data, self.unit)
            except FieldError as error:
                raise ValidationError(str(error)) from None

    def validate_department(self, field: Field) -> None:
        if self.ask_department:
            try:
                field.data = parse_department(field.data)
            except FieldError as error:
                raise ValidationError(str(error)) from None

    def validate_manager_id(self, field: Field) -> None:
        if field.data and not (field.data.isdigit() and int(field.data) in self.colleague_ids):
            raise ValidationError(_("Choose your manager from the list, or leave it empty."))

    def validate_time_zone(self, field: Field) -> None:
        zone = current_zone(field.data or "")
        if zone is None:
            raise ValidationError(_("Choose the time zone you work in."))
        field.data = zone

    def _skills(self, direction: str, message: str) -> list[int]:
        field = self[f"skills_{direction}"]
        picked = sorted({int(v) for v in field.data if v.isdigit()} & self.skill_ids)
        if not picked:
            field.errors.append(message)
        return picked

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        offered = self._skills("offered", _("Choose at least one skill you can offer."))
        wanted = self._skills("wanted", _("Choose at least one skill you would like to learn."))
        try:
            interests = split_tags(self.interests.data, limit=15)
        except FieldError as error:
            self.interests.errors.append(str(error))
            interests = []
        goals = self.goals.chosen(LEARNING_GOALS)
        if not goals and not self.goal_note.data and not self.goal_note.errors:
            self.goals.errors.append(_("Choose at least one learning goal, or write your own."))
        languages = languages_from(self.languages.chosen(LANGUAGES), self.other_languages)
        if not languages and not self.other_languages.errors:
            self.languages.errors.append(_("Choose at least one language you can mentor in."))
        availability = self.availability.chosen(AVAILABILITY)
        if (
            not availability
            and not self.availability_note.data
            and not self.availability_note.errors
        ):
            self.availability.errors.append(
                _("Tell us when you could meet: tick a time or add a note.")
            )
        if self.errors:
            return False
        self.answers = ProfileAnswers(
            seniority=self.seniority.data if self.ask_seniority else None,
            department=self.department.data if self.ask_department else None,
            manager_id=int(self.manager_id.data) if self.manager_id.data else None,
            offered_skill_ids=offered,
            wanted_skill_ids=wanted,
            interests=interests,
            goals=goals,
            goal_note=self.goal_note.data or None,
            languages=languages,
            time_zone=self.time_zone.data,
            availability=availability,
            availability_note=self.availability_note.data or None,
            open_to_other_department=self.open_to_other_department.data == "yes",
            is_champion=bool(self.is_champion.data),
            consents_to_share=bool(self.consents_to_share.data),
        )
        return True


# -- the pairing pages -------------------------------------------------------------------------


class HandPairForm(BaseForm):
    """A designer's own pair; ``broken`` lists the hard rules it breaks (set by the view when
    the service asks for a reason)."""

    mentor = TextField(id="manual-mentor", validators=[_digits(_l("Choose the mentor."))])
    mentee = TextField(id="manual-mentee", validators=[_digits(_l("Choose the mentee."))])
    override_reason = TextAreaField(id="manual-reason", filters=(strip,))

    def __init__(self, formdata: Any = AUTO, **kwargs: Any) -> None:
        self.broken: list[str] = []
        super().__init__(formdata, **kwargs)

    def validate_mentee(self, field: Field) -> None:
        if field.data == self.mentor.data:
            raise ValidationError(_("Choose someone other than the mentor."))


class VetoForm(BaseForm):
    """Asked before a veto: ``confirmed=yes`` and an optional reason."""

    confirmed = TextField()
    reason = TextAreaField(id="veto-reason", filters=(strip,))

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class StatusForm(BaseForm):
    """A program's status change; closing (it cannot be undone) needs ``confirmed=yes``."""

    action = TextField(filters=(strip,))
    confirmed = TextField()

    @property
    def needs_confirmation(self) -> bool:
        return self.action.data == "close" and self.confirmed.data != "yes"


class CsvUploadForm(BaseForm):
    """The CSV of seniority and department: an uploaded file, or the checked text posted back
    by "Import these rows". ``content`` holds the bytes after ``validate()``."""

    file = FileField()
    content = TextAreaField()
    action = TextField(filters=(strip,))

    content_bytes = b""

    def validate_file(self, field: Field) -> None:
        upload = field.data
        if upload is not None and getattr(upload, "filename", ""):
            data = upload.read()
            if not data.strip():
                raise ValidationError(
                    _(
                        "The file “%(filename)s” is empty. Export the list again from your "
                        "HR system, with a header row and one row per person.",
                        filename=upload.filename,
                    )
                )
        else:
            data = (self.content.data or "").encode()
            if not data:
                raise ValidationError(_("Choose a CSV file to upload."))
        self.content_bytes = data

    @property
    def wants_import(self) -> bool:
        return self.action.data == "import"
