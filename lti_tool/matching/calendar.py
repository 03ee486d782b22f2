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
from lti_tool.matching.contact import sharing_people
from lti_tool.matching.models import MeetingProposal, Pair
from lti_tool.matching.programs import person_label

PRODID = "-//Reciprocal//Mentoring meeting//EN"


def _address(email: str, name: str, role: str | None = None) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["CN"] = icalendar.vText(name)
    if role:
        address.params["ROLE"] = icalendar.vText(role)
        address.params["PARTSTAT"] = icalendar.vText("NEEDS-ACTION")
    return address


def meeting_ics(
    proposal: MeetingProposal,
    *,
    emails: tuple[str | None, str | None],
    names: tuple[str, str],
    summary: str,
    description: str = "",
) -> bytes:
    """The calendar file of ``proposal``: ``emails`` and ``names`` are the organizer's and
    the attendee's (an address that may not be shared is None, and left out)."""
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
    if emails[0]:
        event.add("organizer", _address(emails[0], names[0]))
    if emails[1]:
        event.add("attendee", _address(emails[1], names[1], "REQ-PARTICIPANT"))
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
    # Each address only when its owner consented to share their profile with the partner.
    sharing = sharing_people(pair.program_id, {organizer.id, attendee.id})
    emails = tuple(p.email if p.id in sharing else None for p in (organizer, attendee))
    return meeting_ics(
        proposal,
        emails=emails,
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
