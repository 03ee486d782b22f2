"""A proposed meeting as an iCalendar file (RFC 5545), built with the ``icalendar`` library:
a UID that stays the same, DTSTAMP in UTC, DTSTART/DTEND with the proposer's TZID and its
VTIMEZONE, the proposer as ORGANIZER and the partner as ATTENDEE."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import icalendar
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.matching.models import MeetingProposal, Pair
from lti_tool.matching.programs import person_label
from lti_tool.roster.models import Person

PRODID = "-//Reciprocal//Mentoring meeting//EN"


def _address(person: Person, name: str, role: str | None = None) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = icalendar.vText(name)
    if role:
        address.params["ROLE"] = icalendar.vText(role)
        address.params["PARTSTAT"] = icalendar.vText("NEEDS-ACTION")
    return address


def meeting_ics(
    proposal: MeetingProposal,
    *,
    organizer: Person,
    attendee: Person,
    names: tuple[str, str],
    summary: str,
    description: str = "",
) -> bytes:
    """The calendar file of ``proposal``: ``names`` are the organizer's and attendee's."""
    zone = ZoneInfo(proposal.time_zone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", proposal.uid)
    event.add("dtstamp", utcnow())
    event.add("created", proposal.created_at)
    event.add("dtstart", proposal.starts_at.astimezone(zone))
    event.add("dtend", proposal.ends_at.astimezone(zone))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if organizer.email:
        event.add("organizer", _address(organizer, names[0]))
    if attendee.email:
        event.add("attendee", _address(attendee, names[1], "REQ-PARTICIPANT"))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def proposal_ics(proposal: MeetingProposal) -> bytes:
    """``meeting_ics`` for a stored proposal: the proposer organizes, the partner attends."""
    pair = db.session.scalars(
        db.select(Pair)
        .where(Pair.id == proposal.pair_id)
        .options(selectinload(Pair.mentor), selectinload(Pair.mentee), selectinload(Pair.program))
    ).one()
    by_mentor = proposal.proposed_by_id == pair.mentor_id
    organizer, attendee = (pair.mentor, pair.mentee) if by_mentor else (pair.mentee, pair.mentor)
    names = (person_label(organizer), person_label(attendee))
    return meeting_ics(
        proposal,
        organizer=organizer,
        attendee=attendee,
        names=names,
        summary=_("Mentoring meeting: %(a)s and %(b)s", a=names[0], b=names[1]),
        description=_(
            "A meeting of your reverse-mentoring pair in %(program)s, proposed by %(name)s.",
            program=pair.program.title,
            name=names[0],
        ),
    )


def ics_file_name(proposal: MeetingProposal) -> str:
    return f"mentoring-meeting-{proposal.starts_at:%Y%m%d-%H%M}.ics"
