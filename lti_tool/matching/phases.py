"""A program's phase in words, for badges and sentences: an active program whose start date
is still ahead "starts on …" rather than "is running"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

from lti_tool.core.i18n import N_, format_day
from lti_tool.core.time import utcnow
from lti_tool.matching.models import Program, ProgramStatus

TONES = {
    ProgramStatus.DRAFT: "",
    ProgramStatus.MATCHING: "warn",
    ProgramStatus.ACTIVE: "ok",
    ProgramStatus.CLOSED: "muted",
}


STATUS_LABELS = {
    ProgramStatus.DRAFT: N_("Draft"),
    ProgramStatus.MATCHING: N_("Matching"),
    ProgramStatus.ACTIVE: N_("Active"),
    ProgramStatus.CLOSED: N_("Closed"),
}


@dataclass(frozen=True)
class Phase:
    label: str  # "Draft", "Matching", "Starts on 1 September 2026", "Active", "Closed"
    tone: str  # the badge's colour class
    is_running: bool  # active and started


def day(date: dt.date | dt.datetime) -> str:
    """``1 September 2026`` (in the page's language)."""
    return format_day(date)


def today() -> dt.date:
    return utcnow().date()


def program_phase(program: Program, on: dt.date | None = None) -> Phase:
    status = ProgramStatus(program.status)
    started = program.starts_on <= (on or today())
    if status == ProgramStatus.ACTIVE and not started:
        return Phase(_("Starts on %(day)s", day=day(program.starts_on)), "warn", False)
    return Phase(_(STATUS_LABELS[status]), TONES[status], status == ProgramStatus.ACTIVE)
