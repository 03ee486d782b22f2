"""CSV rules: broken quoting refuses the whole file (saying where), control characters are
removed, formula-looking departments are refused while numbers stay numbers; and the one
CSV writer neutralises formula-looking cells."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from lti_tool.core.csv_export import csv_response, safe_cell, write_csv
from lti_tool.errors import ValidationError
from lti_tool.matching.csv_import import apply_csv
from tests.matching.test_csv_import import (  # noqa: F401  (world is a fixture)
    World,
    check,
    seniority_of,
    upload,
    world,
)
from tests.matching.test_profiles import open_program
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    enter,
    forget_programs,
)
from tests.support.launching import Platform


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # An unterminated quote used to swallow Ben's row into Ana's department, and apply it.
        (
            'email,department\nana@example.org,"Sales\nben@example.org,Finance\n',
            2,
            "quoting is broken in the row that starts on line 2",
        ),
        (
            'email,department\nana@example.org,"Sales\nben@example.org,Finance"\n',
            2,
            "starts on line 2 runs on to line 3: a closing quote is probably missing",
        ),
        (
            'email,seniority,department\nben@example.org,3,HR\nana@example.org,2,"Sales"x\n',
            3,
            "quoting is broken in the row that starts on line 3",
        ),
    ],
)
def test_broken_quoting_refuses_the_file(
    world: World,
    text: str,
    line: int,  # noqa: F811
    words: str,
) -> None:
    result = check(world, text)
    assert not result.ok
    assert any(e.line == line and words in e.message for e in result.errors), result.errors
    with pytest.raises(ValidationError, match="nothing was imported"):
        apply_csv(world.program, result)
    assert world.program.profiles == []


def test_control_characters_and_bidi_overrides_are_removed(world: World) -> None:  # noqa: F811
    result = check(world, "email,department\nana@example.org,Mar\x00ket\u202eing\x1b\n")
    assert result.ok, result.errors
    assert result.rows[0].department == "Marketing"


@pytest.mark.parametrize(
    "department",
    [
        '=HYPERLINK("https://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
    ],
)
def test_formula_looking_departments_are_refused(
    world: World,  # noqa: F811
    department: str,
) -> None:
    quoted = '"' + department.replace('"', '""') + '"'
    result = check(world, f"email,department\nana@example.org,{quoted}\n")
    assert not result.ok
    assert result.errors[0].column == "department"
    assert "runs as a formula" in result.errors[0].message


def test_numbers_stay_numbers(world: World) -> None:  # noqa: F811
    result = check(world, "email,seniority\nana@example.org,+2\nben@example.org,+6\n")
    assert result.ok, result.errors
    assert [r.seniority for r in result.rows] == [2.0, 6.0]
    # A minus sign is read as a number too: refused for its range, not as a formula.
    negative = check(world, "email,seniority\nana@example.org,-1\n")
    assert "between 1 and 6" in negative.errors[0].message


def test_broken_quoting_over_http(spec: Platform, app: Flask, forget_programs: None) -> None:  # noqa: F811
    designer = enter(spec)
    enter(spec, "liam.nguyen")
    program_id = open_program(designer, seniority_source="csv")
    refused = upload(
        designer,
        program_id,
        "email,seniority,department\n"
        'liam.nguyen@northwind.example,1,"Engineering\n'
        "amara.okafor@northwind.example,2,Marketing\n",
    )
    assert refused.status_code == 422
    assert "starts on line 2" in refused.text and "nothing was imported" in refused.text
    assert seniority_of(app, program_id) == {}


# -- writing CSV ---------------------------------------------------------------------------------


def test_formula_looking_cells_are_neutralised_and_numbers_kept() -> None:
    text = write_csv(
        ["name", "department", "score", "delta"],
        [
            ["=cmd|' /C calc'!A0", "@SUM(A1)", -3, "-3.5"],
            ["+44 20 7946 0000", "\t=1+1", 2.5, None],
            ["Ana", "-", "+2", "\r=2"],
        ],
    )
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        ["name", "department", "score", "delta"],
        ["'=cmd|' /C calc'!A0", "'@SUM(A1)", "-3", "-3.5"],
        ["'+44 20 7946 0000", "'\t=1+1", "2.5", ""],
        ["Ana", "'-", "+2", "'\r=2"],
    ]
    assert text.endswith("\r\n")
    assert safe_cell(True) == "True" and safe_cell(-7) == -7


def test_csv_response_is_a_utf8_download(app: Flask) -> None:
    with app.test_request_context():
        response = csv_response("pairs report.csv", ["name"], [["Zoë"], ["=1+1"]])
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="pairs report.csv"'
    body = response.get_data().decode("utf-8")
    assert body == "\ufeffname\r\nZoë\r\n'=1+1\r\n"
