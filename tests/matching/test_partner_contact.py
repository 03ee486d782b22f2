"""Partners reach each other, over real launches from the demo LMS: the partner's email and
proposed meeting times only for the two partners; the email setting; a designer ends a pair
and rematches its people while every other pair stays; the demo LMS's Mail page shows what
the tool sent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import icalendar
import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.audit import AuditEvent
from lti_tool.demo_lms.directory import get_user
from lti_tool.demo_lms.mail_server import start_mail_server
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import MeetingProposal, Pair, PairStatus, Profile
from lti_tool.matching.pairing import run_matching
from lti_tool.matching.programs import get_program
from lti_tool.roster.models import Membership, Person
from tests.matching.test_pair_pages import (
    course_of,
    fill_profiles,
    new_program,
    pairs_of,
    sync_roster,
)
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    InTool,
    enter,
    enter_other_course,
    forget_programs,
)
from tests.support.launching import LEARNER, Platform
from tests.support.smtp import forget_outbox, free_port

pytestmark = pytest.mark.usefixtures("forget_programs")


@pytest.fixture
def queue(app: Flask) -> Iterator[None]:
    huey = get_huey(app)
    huey.flush()
    forget_outbox(app)
    yield
    huey.flush()
    forget_outbox(app)


@pytest.fixture
def demo_mail(app: Flask, monkeypatch: pytest.MonkeyPatch, queue: None) -> Iterator[int]:
    """The demo LMS's own mail server, in this process; the tool sends to it."""
    port = free_port()
    controller = start_mail_server(app, "127.0.0.1", port)
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    yield port
    controller.stop()


def published(app: Flask, spec: Platform) -> tuple[InTool, int]:
    """The pilot course's designer, and a program whose pairs are published."""
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    with app.app_context():
        db.session.execute(  # everyone shares their profile, and so their email
            sa.update(Profile)
            .where(Profile.program_id == program_id)
            .values(consents_to_share=True)
        )
        run_matching(get_program(program_id))
        publish_pairs(get_program(program_id))
        db.session.commit()
    return designer, program_id


def username(app: Flask, person_id: int) -> str:
    with app.app_context():
        return get_user(db.session.get(Person, person_id).sub).username


def email_of(app: Flask, person_id: int) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).email


def pair_of(app: Flask, program_id: int, who: str) -> tuple[Pair, int, int]:
    """``who``'s active pair, their id and their partner's id."""
    with app.app_context():
        user = get_user(who)
        person_ids = set(
            db.session.scalars(sa.select(Person.id).where(Person.sub.in_([user.uuid])))
        )
    pair = next(
        p
        for p in pairs_of(app, program_id)
        if p.status == PairStatus.ACTIVE and person_ids & {p.mentor_id, p.mentee_id}
    )
    me = pair.mentor_id if pair.mentor_id in person_ids else pair.mentee_id
    return pair, me, pair.mentee_id if me == pair.mentor_id else pair.mentor_id


def test_the_partner_email_is_shown_only_to_the_partner(spec: Platform, app: Flask) -> None:
    _, program_id = published(app, spec)
    pair, me, partner = pair_of(app, program_id, LEARNER)
    partner_email = email_of(app, partner)
    assert partner_email

    mine = enter(spec, LEARNER).get("partner")
    assert mine.status_code == 200
    assert f'data-testid="partner-email">{partner_email}</a>' in mine.text
    assert "Propose a meeting time" in mine.text
    assert 'data-testid="mail-off"' in mine.text  # no SMTP server in this test

    other = next(
        p for p in pairs_of(app, program_id) if p.status == PairStatus.ACTIVE and p.id != pair.id
    )
    stranger = enter(spec, username(app, other.mentor_id)).get("partner")
    assert stranger.status_code == 200
    assert partner_email not in stranger.text and email_of(app, me) not in stranger.text

    elsewhere = enter_other_course(spec, designer=False).get("partner")
    assert elsewhere.status_code == 200
    assert partner_email not in elsewhere.text and 'data-testid="partner-contact"' not in (
        elsewhere.text
    )


def test_a_proposed_time_reaches_the_partner_and_no_other_pair(
    spec: Platform, app: Flask, demo_mail: int, lms_url: str
) -> None:
    _, program_id = published(app, spec)
    pair, me, partner = pair_of(app, program_id, LEARNER)
    learner = enter(spec, LEARNER)

    refused = learner.post(
        f"partner/{pair.id}/meeting-times",
        {"on": "2020-01-01", "at": "09:00", "duration": "60", "time_zone": "Europe/London"},
    )
    assert refused.status_code == 422
    assert "Propose a time in the future." in refused.text
    made = learner.post(
        f"partner/{pair.id}/meeting-times",
        {"on": "2031-03-04", "at": "14:30", "duration": "45", "time_zone": "Asia/Tokyo"},
        allow_redirects=False,
    )
    assert made.status_code == 303, made.text[:500]
    with app.app_context():
        proposal = db.session.scalars(
            sa.select(MeetingProposal).where(MeetingProposal.pair_id == pair.id)
        ).one()
        proposal_id = proposal.id
        assert run_pending_jobs() >= 1

    they = enter(spec, username(app, partner))
    page = they.get("partner")
    assert 'data-testid="proposal"' in page.text and "14:30–15:15" in page.text
    calendar_url = f"partner/meeting-times/{proposal_id}.ics"
    assert calendar_url in page.text
    ics = they.get(calendar_url)
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("dtstart").hour == 14
    assert str(event["organizer"]) == f"mailto:{email_of(app, me)}"

    other = next(
        p for p in pairs_of(app, program_id) if p.status == PairStatus.ACTIVE and p.id != pair.id
    )
    stranger = enter(spec, username(app, other.mentee_id))
    assert stranger.get(calendar_url).status_code == 404
    assert 'data-testid="proposal"' not in stranger.get("partner").text
    hijack = stranger.post(
        f"partner/{pair.id}/meeting-times",
        {"on": "2031-03-04", "at": "10:00", "duration": "45", "time_zone": "UTC"},
    )
    assert hijack.status_code == 404
    outsider = enter_other_course(spec, designer=False)
    assert outsider.get(calendar_url).status_code == 404

    # The demo LMS's Mail page shows the message to the partner, with the calendar file.
    mail_page = requests.get(f"{lms_url}/mail", timeout=10)
    assert mail_page.status_code == 200
    assert email_of(app, partner) in mail_page.text
    assert "proposes a meeting time" in mail_page.text
    assert re.search(
        r'data-testid="mail-attachment">mentoring-meeting-\d{8}-\d{4}\.ics', (mail_page.text)
    )


def test_a_learner_turns_email_off_and_on(spec: Platform, app: Flask, demo_mail: int) -> None:
    published(app, spec)
    learner = enter(spec, LEARNER)
    page = learner.get("partner").text
    assert "Turn email notifications off" in page
    off = learner.post("partner/email", {"email": "off"}, allow_redirects=False)
    assert off.status_code == 303
    with app.app_context():
        flags = db.session.scalars(
            sa.select(Membership.is_notified_by_email).where(
                Membership.person_id == pair_person(app, learner),
                Membership.course_id == course_of(app, learner),
            )
        ).all()
        assert flags == [False]
    assert "Turn email notifications on" in learner.get("partner").text
    assert learner.post("partner/email", {"email": "maybe"}).status_code == 422
    learner.post("partner/email", {"email": "on"})
    assert "Turn email notifications off" in learner.get("partner").text


def pair_person(app: Flask, who: InTool) -> int:
    from lti_tool.roster.launches import LaunchSession

    with app.app_context():
        return db.session.get(LaunchSession, who.launch_id).person_id


def test_mail_settings_are_not_offered_when_mail_is_off(spec: Platform, app: Flask) -> None:
    published(app, spec)
    learner = enter(spec, LEARNER)
    assert "This site sends no email" in learner.get("partner").text
    assert learner.post("partner/email", {"email": "off"}).status_code == 404


def snapshot(app: Flask, program_id: int) -> dict[int, tuple]:
    return {p.id: (p.mentor_id, p.mentee_id, p.status) for p in pairs_of(app, program_id)}


def end(designer: InTool, program_id: int, pair_id: int, reason: str) -> requests.Response:
    return designer.post(
        f"programs/{program_id}/pairs/{pair_id}/end",
        {"confirmed": "yes", "reason": reason, "rematch": "yes"},
        allow_redirects=False,
    )


def test_a_designer_ends_pairs_and_rematches_without_touching_the_others(
    spec: Platform, app: Flask, demo_mail: int, lms_url: str
) -> None:
    designer, program_id = published(app, spec)
    first, second, *_ = [p for p in pairs_of(app, program_id) if p.status == PairStatus.ACTIVE]
    before = snapshot(app, program_id)

    confirm = designer.get(f"programs/{program_id}/pairs/{first.id}/end")
    assert confirm.status_code == 200 and 'for="end-reason"' in confirm.text
    no_reason = designer.post(
        f"programs/{program_id}/pairs/{first.id}/end", {"confirmed": "yes", "rematch": "yes"}
    )
    assert no_reason.status_code == 422 and 'aria-invalid="true"' in no_reason.text
    assert snapshot(app, program_id) == before

    assert end(designer, program_id, first.id, "Their schedules clash.").status_code == 303
    ended = end(designer, program_id, second.id, "A change of team.")
    assert ended.status_code == 303
    review = designer.http.get(urljoin(ended.url, ended.headers["Location"]), timeout=10).text
    assert "The pair has ended and its two people were matched again" in review

    after = snapshot(app, program_id)
    untouched = {i: v for i, v in before.items() if i not in (first.id, second.id)}
    assert {i: after[i] for i in untouched} == untouched
    assert after[first.id][2] == after[second.id][2] == PairStatus.ENDED
    freed = {first.mentor_id, first.mentee_id, second.mentor_id, second.mentee_id}
    new = {i: v for i, v in after.items() if i not in before}
    assert new, "the freed people were matched again"
    for mentor_id, mentee_id, status in new.values():
        assert status == PairStatus.PROPOSED and {mentor_id, mentee_id} & freed
        assert (mentor_id, mentee_id) not in {
            (first.mentor_id, first.mentee_id),
            (
                second.mentor_id,
                second.mentee_id,
            ),
        }
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "pair.ended")
        ).all()
        assert {e.subject for e in events} >= {
            f"pair {first.id} of program {program_id}",
            f"pair {second.id} of program {program_id}",
        }
        assert run_pending_jobs() >= 4
    mail = requests.get(f"{lms_url}/mail", timeout=10).text
    assert "Their schedules clash." in mail and email_of(app, first.mentee_id) in mail

    published_again = designer.post(f"programs/{program_id}/pairs/publish", allow_redirects=False)
    assert published_again.status_code == 303
    final = snapshot(app, program_id)
    assert {i: final[i] for i in untouched} == untouched
    assert all(final[i][2] == PairStatus.ACTIVE for i in new)


def test_another_courses_designer_cannot_end_a_pair(spec: Platform, app: Flask) -> None:
    _, program_id = published(app, spec)
    pair = next(p for p in pairs_of(app, program_id) if p.status == PairStatus.ACTIVE)
    other = enter_other_course(spec, designer=True)
    assert other.get(f"programs/{program_id}/pairs/{pair.id}/end").status_code == 404
    assert end(other, program_id, pair.id, "Hostile").status_code == 404
    learner = enter(spec, LEARNER)
    assert end(learner, program_id, pair.id, "Hostile").status_code == 403
    assert snapshot(app, program_id)[pair.id][2] == PairStatus.ACTIVE
