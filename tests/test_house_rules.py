"""STYLE.md house rules that lint cannot see: where commits happen, what jobs may name."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lti_tool"
BOUNDARY = "core/transaction.py"


def _calls(call: str) -> list[str]:
    """Lines of lti_tool (outside the transaction boundary) that make ``call``."""
    return [
        f"{relative}:{number}"
        for path in PACKAGE.rglob("*.py")
        if (relative := path.relative_to(PACKAGE).as_posix()) != BOUNDARY
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if call in line and not line.lstrip().startswith("#")
    ]


def test_only_the_transaction_boundary_commits() -> None:
    """Requests, jobs and commands are each one unit of work (core/transaction.py): no view,
    task, command or service commits on its own (tests and their support may)."""
    assert _calls(".commit()") == []


def test_only_the_transaction_boundary_rolls_back() -> None:
    """Work is thrown away by the boundary (an error) or by ``transaction.discard()``."""
    assert _calls(".rollback()") == []


DOMAINS = re.compile(r"lti_tool\.(platforms|roster|lti|matching|learning|home|demo_lms)\b")


def test_jobs_name_no_domain_module() -> None:
    """import-linter sees ``import`` statements only; a module named in a string (for
    ``importlib``) would make ``jobs`` depend on a domain behind its back."""
    offenders = [
        f"{path.relative_to(PACKAGE).as_posix()}:{number}"
        for path in (PACKAGE / "jobs").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DOMAINS.search(line)
    ]
    assert offenders == []
