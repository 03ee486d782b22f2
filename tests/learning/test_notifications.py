"""Email notifications against a real SMTP server (aiosmtpd in this process): each event's
message is sent once, a learner's "off" is respected, a server that is down keeps the mail
for later, and nothing is written when no server is configured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import icalendar
import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.learning.agreements import sign_agreement
from lti_tool.learning.meetings import MeetingValues, log_meeting
from lti_tool.learning.models import StepKind
from lti_tool.learning.notifications.delivery import deliver
from lti_tool.learning.notifications.models import EmailStatus, OutboxEmail
from lti_tool.learning.notifications.reminders import queue_due_reminders
from lti_tool.learning.notifications.tasks import send_waiting_email
from lti_tool.matching.calendar import proposal_ics
from lti_tool.matching.contact import ProposalValues, propose_meeting_time
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import Pair, PairStatus, Profile
from lti_tool.matching.programs import get_program
from lti_tool.roster.models import Membership, Person
from tests.learning.support import make_path_setup
from tests.matching.pairing_support import Learner, make_cohort
from tests.support.smtp import Inbox, forget_outbox, free_port, smtp_server


@pytest.fixture
def queue(app: Flask) -> Iterator[None]:
    huey = get_huey(app)
    huey.flush()
    forget_outbox(app)
    yield
    huey.flush()
    forget_outbox(app)


@pytest.fixture
def inbox(app: Flask, monkeypatch: pytest.MonkeyPatch, queue: None) -> Iterator[Inbox]:
    with smtp_server() as server:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        yield server


def give_emails(people: list[Person]) -> dict[int, str]:
    for person in people:
        person.email = f"{person.name.lower()}-{person.id}@example.org"
    db.session.flush()
    return {p.id: p.email for p in people}


def proposed_program(pairs: int = 2) -> tuple[int, dict[int, str]]:
    """A matching program with ``pairs`` proposed pairs, committed; its people's emails."""
    learners = [
        Learner(f"{side}{i}", seniority=level)
        for i in range(pairs)
        for side, level in (("junior", 1.0), ("senior", 5.0))
    ]
    cohort = make_cohort(learners)
    for i in range(pairs):
        cohort.program.pairs.append(
            Pair(mentor_id=cohort.id(f"junior{i}"), mentee_id=cohort.id(f"senior{i}"))
        )
    emails = give_emails(list(cohort.people.values()))
    db.session.commit()
    return cohort.program.id, emails


def outbox(person_ids) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            sa.select(OutboxEmail)
            .where(OutboxEmail.person_id.in_(list(person_ids)))
            .order_by(OutboxEmail.id)
        )
    )


def test_publishing_mails_each_partner_once(app: Flask, inbox: Inbox) -> None:
    with app.app_context():
        program_id, emails = proposed_program()
        publish_pairs(get_program(program_id))
        db.session.commit()  # the outbox rows commit with the pairs; jobs go after
        assert run_pending_jobs() == 4

        assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == sorted(emails.values())
        message = inbox.messages[0][1]
        assert str(message["Subject"]) == "Your mentoring partner in Digital reverse mentoring"
        assert message.get_body(("plain",)).get_content().startswith("Hello ")
        assert "<p>Hello " in message.get_body(("html",)).get_content()
        assert message["Message-ID"].startswith("<outbox-")

        # The event again (a retried signal), the periodic sweep, a second job: nothing new.
        from lti_tool.learning.notifications.events import on_pairs_published

        pair_ids = [p.id for p in get_program(program_id).pairs]
        on_pairs_published(program_id, pair_ids=pair_ids)
        db.session.commit()
        run_pending_jobs()
        send_waiting_email()
        for row in outbox(emails):
            assert deliver(row.id) is None
        assert len(inbox.messages) == 4
        db.session.expire_all()
        assert {r.status for r in outbox(emails)} == {EmailStatus.SENT}


def test_a_learner_who_turned_email_off_gets_none(app: Flask, inbox: Inbox) -> None:
    with app.app_context():
        program_id, emails = proposed_program(pairs=1)
        program = get_program(program_id)
        quiet, other = program.pairs[0].mentor_id, program.pairs[0].mentee_id
        membership = db.session.scalars(
            sa.select(Membership).where(
                Membership.person_id == quiet, Membership.course_id == program.course_id
            )
        ).one()
        membership.is_notified_by_email = False
        publish_pairs(program)
        db.session.commit()
        run_pending_jobs()

        assert [rcpt for rcpt, _ in inbox.messages] == [[emails[other]]]
        assert outbox([quiet]) == []


def test_turning_email_off_after_the_event_skips_the_waiting_message(
    app: Flask, inbox: Inbox
) -> None:
    with app.app_context():
        program_id, emails = proposed_program(pairs=1)
        program = get_program(program_id)
        publish_pairs(program)
        db.session.commit()
        get_huey(app).flush()  # the jobs are lost; the rows wait
        mentor = program.pairs[0].mentor_id
        db.session.execute(
            sa.update(Membership)
            .where(Membership.person_id == mentor)
            .values(is_notified_by_email=False)
        )
        db.session.commit()

        send_waiting_email()

        assert [rcpt for rcpt, _ in inbox.messages] == [[emails[program.pairs[0].mentee_id]]]
        db.session.expire_all()
        assert [r.status for r in outbox([mentor])] == [EmailStatus.SKIPPED]


def test_smtp_down_keeps_the_mail_and_sends_it_later(
    app: Flask, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        program_id, emails = proposed_program(pairs=1)
        publish_pairs(get_program(program_id))
        monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
        db.session.commit()
        run_pending_jobs()

        rows = outbox(emails)
        assert inbox.messages == []
        assert {r.status for r in rows} == {EmailStatus.PENDING}
        assert all(r.attempts == 1 and "Connection" in r.last_error for r in rows)
        assert all(r.next_attempt_at > utcnow() for r in rows)
        send_waiting_email()  # not due yet: nothing tried
        db.session.expire_all()
        assert {r.attempts for r in outbox(emails)} == {1}

        monkeypatch.setitem(app.config, "SMTP_PORT", inbox.port)  # the server is back
        db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.person_id.in_(list(emails)))
            .values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
        )
        db.session.commit()
        send_waiting_email()
        send_waiting_email()

        assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == sorted(emails.values())
        db.session.expire_all()
        assert {(r.status, r.attempts) for r in outbox(emails)} == {(EmailStatus.SENT, 2)}


def test_a_claim_held_by_a_live_worker_is_not_sent_again(app: Flask, inbox: Inbox) -> None:
    with app.app_context():
        program_id, emails = proposed_program(pairs=1)
        publish_pairs(get_program(program_id))
        db.session.commit()
        rows = outbox(emails)
        db.session.execute(
            sa.update(OutboxEmail)
            .where(OutboxEmail.id == rows[0].id)
            .values(status="sending", claimed_until=utcnow() + dt.timedelta(minutes=1))
        )
        db.session.commit()
        run_pending_jobs()
        send_waiting_email()
        assert len(inbox.messages) == 1  # only the unclaimed one


def test_mail_off_when_no_server_is_configured(app: Flask, queue: None) -> None:
    assert not app.config["SMTP_HOST"]
    with app.app_context():
        program_id, emails = proposed_program(pairs=1)
        publish_pairs(get_program(program_id))
        db.session.commit()
        assert outbox(emails) == []
        assert run_pending_jobs() == 0


def path_with_emails(**changes) -> tuple:
    setup = make_path_setup(pairs=2)
    for name, value in changes.items():
        setattr(setup.program, name, value)
    emails = give_emails(list(setup.cohort.people.values()))
    db.session.commit()
    return setup, emails


def test_agreement_and_meeting_waiting_for_the_partner(app: Flask, inbox: Inbox) -> None:
    with app.app_context():
        setup, emails = path_with_emails()
        pair = setup.pairs[0]
        agreement = setup.steps(StepKind.AGREEMENT)[0]
        sign_agreement(agreement, pair, pair.mentor_id)
        db.session.commit()
        run_pending_jobs()
        assert [rcpt for rcpt, _ in inbox.messages] == [[emails[pair.mentee_id]]]
        assert "waits for your signature" in inbox.subjects()[0]

        sign_agreement(agreement, pair, pair.mentee_id)  # both signed: nobody waits
        db.session.commit()
        run_pending_jobs()
        assert len(inbox.messages) == 1

        meeting = setup.steps(StepKind.MEETING)[0]
        log_meeting(
            meeting,
            pair,
            pair.mentee_id,
            MeetingValues(met_on=dt.date(2026, 1, 20), duration_minutes=45),
            today=dt.date(2026, 1, 21),
        )
        db.session.commit()
        run_pending_jobs()
        assert inbox.to(emails[pair.mentor_id])
        last = inbox.to(emails[pair.mentor_id])[-1]
        assert str(last["Subject"]).startswith("Confirm your meeting with ")
        assert len(inbox.messages) == 2  # nothing to the other pair


def test_an_edited_agreement_asks_both_partners_to_sign_again(app: Flask, inbox: Inbox) -> None:
    import dataclasses

    from sqlalchemy.orm import joinedload, selectinload

    from lti_tool.learning.models import Path, Step
    from lti_tool.learning.paths import StepValues, edit_step

    with app.app_context():
        setup, emails = path_with_emails()
        waiting, agreed = setup.pairs[0], setup.pairs[1]
        agreement = setup.steps(StepKind.AGREEMENT)[0]
        sign_agreement(agreement, waiting, waiting.mentor_id)  # one signature: not complete
        for person_id in (agreed.mentor_id, agreed.mentee_id):  # complete: stays complete
            sign_agreement(agreement, agreed, person_id)
        db.session.commit()
        run_pending_jobs()
        inbox.messages.clear()

        db.session.expire_all()
        agreement = db.session.scalars(
            sa.select(Step)
            .where(Step.id == agreement.id)
            .options(
                selectinload(Step.questions),
                joinedload(Step.path).joinedload(Path.program),
                joinedload(Step.path).selectinload(Path.steps),
            )
        ).one()
        changed = dataclasses.replace(
            StepValues.of(agreement), content=(agreement.content or "") + "\n\nWe meet monthly."
        )
        assert edit_step(agreement, changed).new_version
        db.session.commit()
        run_pending_jobs()
        assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == sorted(
            [emails[waiting.mentor_id], emails[waiting.mentee_id]]
        )
        body = inbox.messages[0][1].get_body(("plain",)).get_content()
        assert "was changed: please read it and sign it again" in body


def test_a_step_due_in_three_days_is_reminded_once_per_person(app: Flask, inbox: Inbox) -> None:
    with app.app_context():
        today = utcnow().date()
        setup, emails = path_with_emails(status="active")
        first = min(
            (s for s in setup.path.steps if s.kind != StepKind.MILESTONE),
            key=lambda s: (s.due_offset_days, s.position),
        )
        setup.program.starts_on = today + dt.timedelta(days=3) - dt.timedelta(first.due_offset_days)
        db.session.commit()
        due = [
            s
            for s in setup.path.steps
            if s.kind != StepKind.MILESTONE and s.due_offset_days == first.due_offset_days
        ]

        queue_due_reminders(today)
        queue_due_reminders(today)
        db.session.commit()
        run_pending_jobs()
        send_waiting_email()

        expected = sum(
            1
            for step in due
            for pair in setup.pairs
            for role in ("mentor", "mentee")
            if step.is_for(role)
        )
        reminders = [r for r in outbox(emails) if r.kind == "step-due"]
        assert len(reminders) == expected > 0
        assert len([s for s in inbox.subjects() if "is due on" in s]) == expected
        assert {r.status for r in reminders} == {EmailStatus.SENT}


def test_a_proposed_meeting_time_is_a_valid_calendar_file_mailed_to_the_partner(
    app: Flask, inbox: Inbox
) -> None:
    with app.app_context():
        setup, emails = path_with_emails()
        pair = setup.pairs[0]
        on = utcnow().date() + dt.timedelta(days=10)
        proposal = propose_meeting_time(
            pair, pair.mentor_id, ProposalValues(on, dt.time(9, 30), 45, "America/New_York")
        )
        db.session.commit()
        run_pending_jobs()

        calendar = icalendar.Calendar.from_ical(proposal_ics(proposal))
        (event,) = calendar.walk("VEVENT")
        starts = event.decoded("dtstart")
        assert (starts.date(), starts.hour, starts.minute) == (on, 9, 30)
        assert str(starts.tzinfo) == "America/New_York"
        assert event["dtstart"].params["TZID"] == "America/New_York"
        assert event.decoded("dtend") - starts == dt.timedelta(minutes=45)
        assert starts == proposal.starts_at
        assert str(event["uid"]) == proposal.uid
        assert event.decoded("dtstamp").tzinfo is not None
        assert str(event["organizer"]) == f"mailto:{emails[pair.mentor_id]}"
        assert str(event["attendee"]) == f"mailto:{emails[pair.mentee_id]}"
        assert calendar.walk("VTIMEZONE")[0]["TZID"] == "America/New_York"

        # A partner who does not share their profile keeps their address out of the file.
        profile = db.session.scalars(
            sa.select(Profile).where(
                Profile.person_id == pair.mentee_id, Profile.program_id == pair.program_id
            )
        ).one()
        profile.consents_to_share = False
        db.session.flush()
        private = icalendar.Calendar.from_ical(proposal_ics(proposal)).walk("VEVENT")[0]
        assert "attendee" not in private and "organizer" in private
        db.session.rollback()

        (mail,) = inbox.to(emails[pair.mentee_id])
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_content_type() == "text/calendar"
        mailed = icalendar.Calendar.from_ical(attachment.get_content())
        assert str(mailed.walk("VEVENT")[0]["uid"]) == proposal.uid
        assert inbox.to(emails[pair.mentor_id]) == []


def test_the_pair_ending_mail_tells_both_why(app: Flask, inbox: Inbox) -> None:
    from lti_tool.matching.ending import end_pair

    with app.app_context():
        setup, emails = path_with_emails()
        pair = setup.pairs[1]
        end_pair(pair, "Schedules no longer overlap.", rematch=False, actor="designer test")
        db.session.commit()
        run_pending_jobs()
        assert pair.status == PairStatus.ENDED
        for person_id in (pair.mentor_id, pair.mentee_id):
            (mail,) = inbox.to(emails[person_id])
            assert "Schedules no longer overlap." in mail.get_body(("plain",)).get_content()
        assert len(inbox.messages) == 2


def test_an_erased_persons_partner_is_told_without_their_name(app: Flask, inbox: Inbox) -> None:
    from lti_tool.privacy.erase import erase_person

    with app.app_context():
        program_id, emails = proposed_program(pairs=1)
        publish_pairs(get_program(program_id))
        db.session.commit()
        run_pending_jobs()
        inbox.messages.clear()
        pair = get_program(program_id).pairs[0]
        leaver, partner = db.session.get(Person, pair.mentor_id), pair.mentee_id
        leaver_name = leaver.display_name
        erase_person(leaver, actor="the tool's admin")
        db.session.commit()
        assert run_pending_jobs() >= 1

        (recipients, message), *others = inbox.messages
        assert not others and recipients == [emails[partner]]
        assert str(message["Subject"]) == "Your mentoring partner has left the program"
        body = message.get_body(("plain",)).get_content()
        assert "can pair you with someone new" in body
        assert leaver_name not in body
