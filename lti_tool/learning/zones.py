"""The viewer's time zone, so pages show dates and times where the viewer lives.

A learner's intake profile names their zone; anyone else (a designer, a learner without a
profile) is asked by a tiny script on the page, which posts the browser's
``Intl.DateTimeFormat().resolvedOptions().timeZone`` (no cookie: the launch id is in the URL).
Until one is known, pages show UTC and say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.upsert import insert_or_get
from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.learning.models import ViewerTimeZone
from lti_tool.matching.models import Profile, Program
from lti_tool.matching.time_zones import UTC, current_zone, zone_label

PROFILE, BROWSER = "profile", "browser"


@dataclass(frozen=True)
class ViewerZone:
    name: str  # IANA name; "UTC" when unknown
    source: str | None  # "profile", "browser", or None: not known, UTC shown
    label: str

    @property
    def is_known(self) -> bool:
        return self.source is not None

    @property
    def info(self) -> ZoneInfo:
        return ZoneInfo(self.name)

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.info).date()


UNKNOWN = ViewerZone(UTC, None, zone_label(UTC))


def viewer_zone(person_id: int, course_id: int | None) -> ViewerZone:
    """The viewer's zone: their profile's in a program of this course, else the one their
    browser reported, else UTC (``source`` None). One query."""
    profile_zone = (
        sa.select(Profile.time_zone)
        .join(Program, Program.id == Profile.program_id)
        .where(
            Profile.person_id == person_id,
            Program.course_id == course_id,
            Profile.time_zone.is_not(None),
        )
        .order_by(Profile.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    browser_zone = (
        sa.select(ViewerTimeZone.time_zone)
        .where(ViewerTimeZone.person_id == person_id)
        .scalar_subquery()
    )
    row = db.session.execute(sa.select(profile_zone, browser_zone)).one()
    for name, source in ((row[0], PROFILE), (row[1], BROWSER)):
        zone = current_zone(name) or (name if name == UTC else None)
        if zone:
            return ViewerZone(zone, source, zone_label(zone))
    return UNKNOWN


def record_browser_zone(person_id: int, name: str) -> ViewerZone:
    """Keep the zone ``person_id``'s browser reported (an old alias is stored as its
    current name).

    :raise ValidationError: not a time zone.
    """
    zone = current_zone(name.strip()) if name else None
    if zone is None:
        raise ValidationError(_("That is not a time zone this tool knows."))
    stored = insert_or_get(ViewerTimeZone, {"person_id": person_id}, {"time_zone": zone})
    stored.time_zone = zone
    db.session.flush()
    return ViewerZone(zone, BROWSER, zone_label(zone))
