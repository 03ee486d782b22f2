"""Seniority and department from a designer's CSV file, checked whole before anything is applied.

The file names each person by ``user_id`` (the LMS's user id, the LTI ``sub``) or ``email`` and
gives ``seniority`` and/or ``department``. Every problem is reported with its line, column and
what is wrong; a file with any problem applies nothing.

Control characters and bidi overrides are removed as from every form (``lti_tool.core.input``).
A quoted value that runs over several lines, or a quote left open, refuses the file: no column
here holds several lines, so it is a missing closing quote that would swallow the next rows.
A department that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) is
refused; numbers (seniority) are read as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.csv_export import looks_like_formula
from lti_tool.core.input import clean_text_value
from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.matching.models import Profile, Program, SenioritySource
from lti_tool.matching.profiles import FieldError, parse_department, parse_seniority
from lti_tool.matching.programs import course_people, person_label
from lti_tool.roster.models import Person

MAX_BYTES = 2_000_000
MAX_ROWS = 10_000
COLUMNS = {  # accepted header → the column it stands for
    "email": "email",
    "e-mail": "email",
    "email_address": "email",
    "user_id": "user_id",
    "userid": "user_id",
    "lms_user_id": "user_id",
    "sub": "user_id",
    "seniority": "seniority",
    "seniority_level": "seniority",
    "level": "seniority",
    "years_experience": "seniority",
    "years": "seniority",
    "department": "department",
    "dept": "department",
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportRow:
    """One good row: who, and the values it sets (None: left as it is)."""

    line: int
    person: Person
    name: str
    seniority: float | None
    department: str | None
    current_seniority: float | None
    current_department: str | None


@dataclass
class ImportCheck:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _decode(data: bytes) -> str:
    for encoding in (
        ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",)
    ):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FieldError(_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _header(names: list[str], check: ImportCheck) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(names):
        key = re.sub(r"\s+", "_", raw.strip().lower())
        column = COLUMNS.get(key)
        if column is None:
            if key:
                check.notes.append(_("Column “%(column)s” is not used.", column=raw.strip()))
        elif column in columns:
            check.errors.append(
                RowError(1, raw.strip(), _("There are two %(column)s columns.", column=column))
            )
        else:
            columns[column] = index
    if "email" not in columns and "user_id" not in columns:
        check.errors.append(
            RowError(1, "header", _("Add an email or user_id column so each row names a person."))
        )
    if "seniority" not in columns and "department" not in columns:
        check.errors.append(
            RowError(
                1, "header", _("Add a seniority or department column: there is nothing to import.")
            )
        )
    return columns


def check_csv(program: Program, data: bytes) -> ImportCheck:
    """Read and check a whole file against the program's course; apply nothing.

    People are looked up only among the course's active members.
    """
    check = ImportCheck()
    if len(data) > MAX_BYTES:
        check.errors.append(
            RowError(
                0, "file", _("The file is larger than %(size)s MB.", size=MAX_BYTES // 1_000_000)
            )
        )
        return check
    try:
        text = _decode(data)
    except FieldError as error:
        check.errors.append(RowError(0, "file", str(error)))
        return check
    text = clean_text_value(text) or ""
    if not text.strip():
        check.errors.append(RowError(0, "file", _("The file is empty.")))
        return check
    # Strict, with "" as the escaped quote (as Excel writes it): the sniffer guesses no
    # doubled quotes when the sample has none, and then lets a stray quote through.
    reader = csv.reader(
        io.StringIO(text, newline=""), _dialect(text), strict=True, doublequote=True
    )
    try:
        header = next(reader)
    except csv.Error as error:
        check.errors.append(
            RowError(1, "file", _("The file is not valid CSV: %(error)s.", error=error))
        )
        return check
    columns = _header(header, check)
    if check.errors:
        return check
    people = course_people(program.course_id)
    by_email: dict[str, list[Person]] = {}
    for person in people:
        if person.email:
            by_email.setdefault(person.email.casefold(), []).append(person)
    by_sub = {p.sub: p for p in people}
    profiles = {
        p.person_id: p
        for p in db.session.scalars(sa.select(Profile).where(Profile.program_id == program.id))
    }
    seen: dict[int, int] = {}
    start = reader.line_num + 1
    try:
        for values in reader:
            if reader.line_num > start or any("\n" in v or "\r" in v for v in values):
                check.errors.append(
                    RowError(
                        start,
                        "row",
                        (
                            _(
                                "A quoted value that starts on line %(start)s runs on to line "
                                "%(line_num)s: a closing quote is probably missing.",
                                start=start,
                                line_num=reader.line_num,
                            )
                        ),
                    )
                )
                start = reader.line_num + 1
                continue
            start = reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(check.rows) + len(check.errors) >= MAX_ROWS:
                check.errors.append(
                    RowError(
                        reader.line_num,
                        "file",
                        _("The file has more than %(limit)s rows.", limit=MAX_ROWS),
                    )
                )
                break
            _check_row(
                program,
                reader.line_num,
                values,
                header,
                columns,
                (by_email, by_sub, profiles, seen),
                check,
            )
    except csv.Error as error:
        check.errors.append(
            RowError(
                start,
                "file",
                (
                    _(
                        "The quoting is broken in the row that starts on line %(start)s "
                        "(%(error)s): check that every opening quote has its closing quote.",
                        start=start,
                        error=error,
                    )
                ),
            )
        )
    if not check.rows and not check.errors:
        check.errors.append(RowError(2, "file", _("The file has a header but no rows.")))
    return check


def _check_row(
    program: Program,
    line: int,
    values: list[str],
    header: list[str],
    columns: dict[str, int],
    lookups: tuple,
    check: ImportCheck,
) -> None:
    by_email, by_sub, profiles, seen = lookups
    if len(values) != len(header):
        check.errors.append(
            RowError(
                line,
                "row",
                _(
                    "This row has %(values)s values but the header has %(columns)s columns.",
                    values=len(values),
                    columns=len(header),
                ),
            )
        )
        return
    cell = {name: values[index].strip() for name, index in columns.items()}
    before = len(check.errors)
    person = None
    if cell.get("user_id"):
        person = by_sub.get(cell["user_id"])
        if person is None:
            check.errors.append(
                RowError(
                    line,
                    "user_id",
                    _(
                        "No member of this course has the user id “%(user_id)s”.",
                        user_id=cell["user_id"],
                    ),
                )
            )
    elif cell.get("email"):
        matches = by_email.get(cell["email"].casefold(), [])
        if len(matches) == 1:
            person = matches[0]
        elif matches:
            check.errors.append(
                RowError(
                    line,
                    "email",
                    _(
                        "%(count)s members of this course have the email “%(email)s”: give "
                        "their user_id instead.",
                        count=len(matches),
                        email=cell["email"],
                    ),
                )
            )
        else:
            check.errors.append(
                RowError(
                    line,
                    "email",
                    _("No member of this course has the email “%(email)s”.", email=cell["email"]),
                )
            )
    else:
        check.errors.append(
            RowError(
                line, "email" if "email" in columns else "user_id", _("Say who this row is about.")
            )
        )
    if person is not None:
        if person.id in seen:
            check.errors.append(
                RowError(
                    line,
                    "user_id" if cell.get("user_id") else "email",
                    _(
                        "%(person)s is already on line %(line)s.",
                        person=person_label(person),
                        line=seen[person.id],
                    ),
                )
            )
        else:
            seen[person.id] = line
    seniority = department = None
    if cell.get("seniority"):
        try:
            seniority = parse_seniority(cell["seniority"], program.seniority_unit)
        except FieldError as error:
            check.errors.append(RowError(line, "seniority", str(error)))
    if cell.get("department"):
        try:
            department = parse_department(cell["department"])
            if looks_like_formula(department):
                raise FieldError(
                    _(
                        "“%(department)s” starts with “%(sign)s”, which a spreadsheet runs as "
                        "a formula: write the department without it.",
                        department=department,
                        sign=department[0],
                    )
                )
        except FieldError as error:
            check.errors.append(RowError(line, "department", str(error)))
    if len(check.errors) == before and seniority is None and department is None:
        check.errors.append(
            RowError(line, "row", _("Nothing to import: seniority and department are both empty."))
        )
    if len(check.errors) == before and person is not None:
        current = profiles.get(person.id)
        check.rows.append(
            ImportRow(
                line,
                person,
                person_label(person),
                seniority,
                department,
                current.seniority if current else None,
                current.department if current else None,
            )
        )


def apply_csv(program: Program, check: ImportCheck) -> int:
    """Apply a checked file: the number of people updated.

    :raise ValidationError: the file had problems (nothing is applied).
    :raise DomainError: the program is closed.
    """
    program.ensure_editable()
    if not check.ok:
        raise ValidationError(_("The file has problems, so nothing was imported."))
    profiles = {
        p.person_id: p
        for p in db.session.scalars(sa.select(Profile).where(Profile.program_id == program.id))
    }
    for row in check.rows:
        profile = profiles.get(row.person.id)
        if profile is None:
            profile = Profile(program=program, person=row.person)
            db.session.add(profile)
        if row.seniority is not None:
            profile.set_seniority(row.seniority, SenioritySource.CSV)
        if row.department is not None:
            profile.set_department(row.department, SenioritySource.CSV)
    db.session.flush()
    return len(check.rows)
