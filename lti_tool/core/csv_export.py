"""Every CSV file the tool writes (reports, exports) goes through here.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula — and a learner's text can be anything. Such
cells are written with a leading ``'``, which spreadsheets show as text; real numbers (``-3``,
``+2.5``) are left alone so they stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
Cell = object


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (a plain number cannot)."""
    return text.startswith(FORMULA_START) and not NUMBER.fullmatch(text)


def safe_cell(value: Cell) -> str | int | float | Decimal:
    """The value as written to a CSV cell: numbers as they are, formula-looking text
    prefixed with ``'``, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def write_csv(header: Iterable[Cell], rows: Iterable[Iterable[Cell]]) -> str:
    """The CSV text (RFC 4180: every line ends with CRLF, quotes where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable[Cell], rows: Iterable[Iterable[Cell]]) -> Response:
    """A download of the CSV, with a byte order mark so Excel reads it as UTF-8."""
    response = Response("\ufeff" + write_csv(header, rows), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
