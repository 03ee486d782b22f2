"""A program's phase in words, for badges and sentences: an active program whose start date
is still ahead "starts on …" rather than "is running"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lti_tool.core.time import utcnow
from lti_tool.matching.models import Program, ProgramStatus

TONES = {
    ProgramStatus.DRAFT: "",
    ProgramStatus.MATCHING: "warn",
    ProgramStatus.ACTIVE: "ok",
    ProgramStatus.CLOSED: "muted",
}


@dataclass(frozen=True)
class Phase:
    label: str  # "Draft", "Matching", "Starts on 1 September 2026", "Active", "Closed"
    tone: str  # the badge's colour class
    is_running: bool  # active and started


def day(date: dt.date | dt.datetime) -> str:
    """``1 September 2026``."""
    return f"{date.day} {date:%B %Y}"


def today() -> dt.date:
    return utcnow().date()


def program_phase(program: Program, on: dt.date | None = None) -> Phase:
    status = ProgramStatus(program.status)
    started = program.starts_on <= (on or today())
    if status == ProgramStatus.ACTIVE and not started:
        return Phase(f"Starts on {day(program.starts_on)}", "warn", False)
    return Phase(status.value.capitalize(), TONES[status], status == ProgramStatus.ACTIVE)
