"""STYLE.md house rules that lint cannot see: where commits happen, what jobs may name."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lti_tool"
ALLOWED = re.compile(r"(^|/)(views|tasks|cli)\.py$|/(views|tasks)/")


def test_commit_only_in_views_tasks_and_cli() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if ALLOWED.search(relative):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".commit()" in line and not line.lstrip().startswith("#"):
                offenders.append(f"{relative}:{number}")
    assert offenders == []


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
