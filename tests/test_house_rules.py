"""STYLE.md: one commit per request, task or command — never inside a service or model."""

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
