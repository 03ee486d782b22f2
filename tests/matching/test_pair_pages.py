"""The pairing pages over real launches through the demo LMS: the designer syncs the roster,
learners fill their profiles, the designer runs matching, reads the reasons, locks a pair,
re-runs and publishes; the learner sees their partner and why. And who may see what: learners
never reach designer pages, another course's designer never touches the program, and a learner
never sees another course's people."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.demo_lms.directory import get_course, get_user
from lti_tool.demo_lms.models import DemoEnrollment
from lti_tool.demo_lms.seed import PEOPLE, SeedPerson
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import (
    MatchingRun,
    Pair,
    PairStatus,
    Profile,
    ProgramStatus,
    Skill,
)
from lti_tool.matching.pairing import run_matching
from lti_tool.matching.pool import build_pool
from lti_tool.matching.profiles import ProfileAnswers, save_intake
from lti_tool.matching.programs import ProgramValues, create_program, get_program
from lti_tool.matching.tasks import can_queue
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership, Person, RosterSync
from lti_tool.roster.tasks import run_roster_sync
from tests.matching import factories
from tests.matching.test_profiles import answers_for
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    InTool,
    enter,
    enter_other_course,
    forget_programs,
)
from tests.support.launching import LEARNER, Platform

pytestmark = pytest.mark.usefixtures("forget_programs")
TITLE = "Digital reciprocity pilot"
DIGITAL = ("Social media", "AI and collaboration tools", "Data literacy", "Current trends")
BUSINESS = ("Strategy", "Leadership", "Stakeholder management", "Industry knowledge")


@pytest.fixture
def queue(app: Flask):
    """The test app's in-memory queue, emptied of other tests' jobs."""
    huey = get_huey(app)
    huey.flush()
    yield huey
    huey.flush()


# -- helpers -----------------------------------------------------------------------------------


def course_of(app: Flask, someone: InTool) -> int:
    with app.app_context():
        return db.session.get(LaunchSession, someone.launch_id).course_id


def seeded_learners() -> list[SeedPerson]:
    """The pilot course's learners with a seniority."""
    return [
        p
        for p in PEOPLE
        if p.seniority_level and p.username not in ("dana.whitfield", "marcus.chen")
    ]


def answers(person: SeedPerson, skills: dict[str, int], index: int) -> ProfileAnswers:
    """Juniors offer digital topics and want business ones; seniors the other way round."""
    junior = person.seniority_level <= 3
    give, take = (DIGITAL, BUSINESS) if junior else (BUSINESS, DIGITAL)
    return ProfileAnswers(
        seniority=float(person.seniority_level),
        department=person.department,
        manager_id=None,
        offered_skill_ids=[skills[give[index % 4]], skills[give[(index + 1) % 4]]],
        wanted_skill_ids=[skills[take[index % 4]]],
        interests=["podcasts"] if index % 2 else [],
        goals=["Grow my network across the organisation"],
        goal_note=None,
        languages=["English"],
        time_zone="Europe/London",
        availability=["mornings"],
        availability_note=None,
        open_to_other_department=True,
        is_champion=False,
        consents_to_share=index % 3 != 0,
    )


def fill_profiles(
    app: Flask, program_id: int, *, skip: tuple[str, ...] = ("noah.fischer", "mateo.rossi")
) -> None:
    """The seeded learners of the program's course answer the intake (as the form would) —
    all but Noah and Mateo, which leaves eight juniors for eight seniors."""
    with app.app_context():
        program = get_program(program_id)
        skills = {s.name: s.id for s in program.skills}
        for index, seed in enumerate(seeded_learners()):
            person = seeded_person(program.course_id, seed.username)
            if seed.username in skip or person is None:
                continue
            save_intake(program, person, answers(seed, skills, index), {})
        db.session.commit()


def new_program(app: Flask, course_id: int, title: str = TITLE) -> int:
    """A program opened for intake, made through the services (C's pages are tested there)."""
    with app.app_context():
        program = create_program(
            db.session.get(Course, course_id),
            ProgramValues(
                title=title,
                purpose="Digital fluency for leaders.",
                goals=[],
                is_pilot=True,
                starts_on=dt.date(2026, 9, 1),
                length_months=6,
                cadence="monthly",
            ),
        )
        program.start_matching()
        db.session.commit()
        return program.id


def sync_roster(app: Flask, designer: InTool) -> None:
    """The designer's "Sync now", then its job, run here as the worker would. (The sync the
    page shows may be an earlier queued one whose job another test's queue flush dropped, so
    the course's unfinished syncs are run by id rather than from the queue.)"""
    synced = designer.post("roster/sync", {}, allow_redirects=False)
    assert synced.status_code == 303, synced.text[:500]
    course_id = course_of(app, designer)
    with app.app_context():
        waiting = db.session.scalars(
            sa.select(RosterSync.id).where(
                RosterSync.course_id == course_id, RosterSync.status == RosterSync.QUEUED
            )
        ).all()
        for sync_id in waiting:
            run_roster_sync(sync_id)
        assert (
            db.session.scalars(
                sa.select(Membership).where(Membership.course_id == course_id)
            ).first()
            is not None
        )


def seeded_person(course_id: int, username: str) -> Person | None:
    """A seeded demo LMS user as the tool knows them in this course (by their ``sub``: one
    Person per flavour, and other tests may add namesakes with the same email)."""
    user = get_user(username)
    return db.session.scalars(
        sa.select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course_id, Person.sub.in_([user.uuid, str(user.id)]))
    ).one_or_none()


def member_id(app: Flask, course_id: int, username: str) -> int:
    with app.app_context():
        return seeded_person(course_id, username).id


def pairs_of(app: Flask, program_id: int) -> list[Pair]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Pair).where(Pair.program_id == program_id).order_by(Pair.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def name_of(app: Flask, person_id: int) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).display_name


def assert_hard_rules_hold(app: Flask, program_id: int) -> None:
    """Every stored pair passes every hard rule, checked by the plain-Python reference."""
    with app.app_context():
        program = get_program(program_id)
        pool = build_pool(
            program,
            mentor_ids={p.mentor_id for p in program.pairs},
            mentee_ids={p.mentee_id for p in program.pairs},
        )
        people = {c.person_id: c for c in (*pool.mentors, *pool.mentees)}
        rules = program.matching_rules()
        assert program.pairs
        for pair in program.pairs:
            assert pair.rules_broken == []
            assert factories.allowed(people[pair.mentor_id], people[pair.mentee_id], rules)


def followed(who: InTool, response) -> str:
    assert response.status_code == 303, response.text[:800]
    return who.http.get(urljoin(response.url, response.headers["Location"]), timeout=10).text


# -- the story -----------------------------------------------------------------------------------


def test_designer_matches_locks_reruns_publishes_and_the_learner_sees_why(
    spec: Platform, app: Flask, queue
) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    course_id = course_of(app, designer)
    program_id = new_program(app, course_id)

    learner = enter(spec, LEARNER)  # asked for the intake profile on launch
    assert learner.page.url.endswith(f"/programs/{program_id}/intake")
    saved = learner.post(
        f"programs/{program_id}/intake", answers_for(learner.page.text), allow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:800]
    fill_profiles(app, program_id, skip=("amara.okafor", "noah.fischer", "mateo.rossi"))

    people = designer.get(f"programs/{program_id}/people")
    assert people.status_code == 200
    assert "Amara Okafor" in people.text and "Submitted" in people.text
    assert re.search(r"\d+ of \d+ learners have submitted their intake profile", people.text)

    review = followed(
        designer, designer.post(f"programs/{program_id}/pairs/run", allow_redirects=False)
    )
    assert "Matching finished" in review
    first = pairs_of(app, program_id)
    assert first and all(p.status == PairStatus.PROPOSED for p in first)
    assert_hard_rules_hold(app, program_id)
    amara = member_id(app, course_id, "amara.okafor")
    mine = next(p for p in first if amara in (p.mentor_id, p.mentee_id))
    partner_name = name_of(app, mine.mentee_id if mine.mentor_id == amara else mine.mentor_id)
    for reason in mine.explanation.values():
        assert reason.replace("'", "&#39;") in review
    assert mine.rules_passed[0].replace("'", "&#39;") in review

    locked = designer.post(f"programs/{program_id}/pairs/{mine.id}/lock", allow_redirects=False)
    assert "Pair locked" in followed(designer, locked)
    rerun = followed(
        designer, designer.post(f"programs/{program_id}/pairs/run", allow_redirects=False)
    )
    assert "Matching finished" in rerun
    second = pairs_of(app, program_id)
    kept = next(p for p in second if p.id == mine.id)
    assert kept.status == PairStatus.LOCKED
    assert_hard_rules_hold(app, program_id)

    confirm = designer.get(f"programs/{program_id}/pairs/publish")
    assert confirm.status_code == 200
    assert f"Publish {len(second)} pairs" in confirm.text
    published = followed(
        designer, designer.post(f"programs/{program_id}/pairs/publish", allow_redirects=False)
    )
    assert "Pairs published" in published
    assert {p.status for p in pairs_of(app, program_id)} == {PairStatus.ACTIVE}
    with app.app_context():
        assert get_program(program_id).status == ProgramStatus.ACTIVE

    learner = enter(spec, LEARNER)
    page = learner.get("partner")
    assert page.status_code == 200
    text = page.text
    assert partner_name.replace("'", "&#39;") in text and TITLE in text
    assert "Why you were matched" in text
    assert re.search(r'<ul data-testid="reasons"><li>', text)


# -- the review actions over HTTP ---------------------------------------------------------------


def test_review_page_is_accessible_and_offers_every_action(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")

    html = designer.get(f"programs/{program_id}/pairs").text

    assert (
        '<div class="table-wrap" role="region" aria-labelledby="pairs-caption" tabindex="0">'
        in html
    )
    assert '<caption id="pairs-caption">' in html and '<th scope="col">Score</th>' in html
    assert html.count('data-testid="pair-row"') == len(pairs_of(app, program_id))
    pair = pairs_of(app, program_id)[0]
    mentor, mentee = name_of(app, pair.mentor_id), name_of(app, pair.mentee_id)
    label = f"{mentor} (mentor) and {mentee} (mentee)".replace("'", "&#39;")
    assert f'aria-label="Lock the pair of {label}"' in html
    assert f'aria-label="Veto the pair of {label}: never propose it again"' in html
    assert "<details><summary>Passes every rule</summary>" in html
    assert "Make a pair by hand" in html and 'for="manual-reason"' in html
    assert "<script>" not in html and "js/busy-form.js" in html


def test_veto_and_pair_by_hand_over_http(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")
    pair = pairs_of(app, program_id)[0]

    vetoed = designer.post(
        f"programs/{program_id}/pairs/{pair.id}/veto", {"confirmed": "yes"}, allow_redirects=False
    )
    assert "Pair vetoed" in followed(designer, vetoed)
    designer.post(f"programs/{program_id}/pairs/run")
    assert (pair.mentor_id, pair.mentee_id) not in {
        (p.mentor_id, p.mentee_id) for p in pairs_of(app, program_id)
    }

    # The senior as mentor of the junior breaks the seniority rule: a reason is required.
    backwards = {"mentor": str(pair.mentee_id), "mentee": str(pair.mentor_id)}
    refused = designer.post(f"programs/{program_id}/pairs/manual", backwards)
    assert refused.status_code == 422
    assert "This pair breaks the program's rules:" in refused.text
    assert "is not 1 level more junior than" in refused.text
    assert 'id="manual-reason" name="override_reason"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    made = designer.post(
        f"programs/{program_id}/pairs/manual",
        {**backwards, "override_reason": "They asked for each other"},
        allow_redirects=False,
    )
    assert "Your pair is made and locked" in followed(designer, made)
    by_hand = next(p for p in pairs_of(app, program_id) if p.is_manual)
    assert (by_hand.mentor_id, by_hand.status) == (pair.mentee_id, PairStatus.LOCKED)
    assert by_hand.override_reason == "They asked for each other" and by_hand.rules_broken


def test_a_big_cohort_is_matched_by_a_job_with_a_progress_page(
    spec: Platform, app: Flask, queue, monkeypatch
) -> None:
    assert can_queue(app), "create_app must import lti_tool.matching.tasks"
    monkeypatch.setitem(app.config, "MATCHING_SYNC_LIMIT", 0)
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)

    queued = designer.post(f"programs/{program_id}/pairs/run", allow_redirects=False)
    assert queued.status_code == 303 and "/pairs/runs/" in queued.headers["Location"]
    waiting = designer.http.get(urljoin(queued.url, queued.headers["Location"]), timeout=10)
    assert "Waiting for the matching to start" in waiting.text
    assert '<meta http-equiv="refresh" content="2">' in waiting.text
    assert pairs_of(app, program_id) == []
    with app.app_context():
        assert run_pending_jobs() >= 1
        run = db.session.scalars(
            sa.select(MatchingRun).where(MatchingRun.program_id == program_id)
        ).one()
        assert run.status == "done"
    done = designer.http.get(
        urljoin(queued.url, queued.headers["Location"]), timeout=10, allow_redirects=False
    )
    assert done.status_code == 303 and "notice=ran" in done.headers["Location"]
    assert_hard_rules_hold(app, program_id)


# -- who may see what ---------------------------------------------------------------------------

DESIGNER_GETS = ("people", "pairs", "pairs/publish", "pairs/runs/1")
DESIGNER_POSTS = (
    "pairs/run",
    "pairs/1/lock",
    "pairs/1/unlock",
    "pairs/1/veto",
    "pairs/manual",
    "pairs/publish",
    "pairs/rematch",
    "pairs/vetoes/1/lift",
)


def test_a_learner_cannot_reach_the_designer_pairing_pages(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    program_id = new_program(app, course_of(app, designer))
    learner = enter(spec, "liam.nguyen")
    for path in DESIGNER_GETS:
        assert learner.get(f"programs/{program_id}/{path}").status_code == 403, path
    for path in DESIGNER_POSTS:
        assert learner.post(f"programs/{program_id}/{path}").status_code == 403, path
    assert designer.get("partner").status_code == 403


def test_a_designer_of_another_course_cannot_touch_the_pairs(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer), title="Pilot course pairing")
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")
    before = [(p.id, p.status) for p in pairs_of(app, program_id)]
    pair = pairs_of(app, program_id)[0]

    other = enter_other_course(spec, designer=True)
    for path in DESIGNER_GETS:
        response = other.get(f"programs/{program_id}/{path}")
        assert response.status_code == 404, path
        assert "Pilot course pairing" not in response.text
    for path in DESIGNER_POSTS:
        path = path.replace("pairs/1/", f"pairs/{pair.id}/")
        data = {
            "mentor": str(pair.mentor_id),
            "mentee": str(pair.mentee_id),
            "override_reason": "mine now",
        }
        assert other.post(f"programs/{program_id}/{path}", data).status_code == 404, path
    assert [(p.id, p.status) for p in pairs_of(app, program_id)] == before
    with app.app_context():
        assert get_program(program_id).status == ProgramStatus.MATCHING
        assert get_program(program_id).vetoes == []


def test_a_learner_never_sees_another_courses_people(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer), title="Pilot course pairing")
    fill_profiles(app, program_id)
    with app.app_context():
        program = get_program(program_id)
        run_matching(program)
        publish_pairs(program)
        db.session.commit()
        pairs = [(p.mentor_id, p.mentee_id) for p in program.pairs]
        names = {pid: db.session.get(Person, pid).display_name for pair in pairs for pid in pair}
        amara = seeded_person(program.course_id, "amara.okafor").id
    amaras = next(pair for pair in pairs if amara in pair)
    her_partner = names[amaras[0] if amaras[1] == amara else amaras[1]]

    at_home = enter(spec, LEARNER).get("partner").text
    assert her_partner.replace("'", "&#39;") in at_home
    assert at_home.count('data-testid="partner"') == 1
    others = {n for pair in pairs if amara not in pair for n in (names[pair[0]], names[pair[1]])}
    assert not any(n.replace("'", "&#39;") in at_home for n in others - {"Amara Okafor"})

    elsewhere = enter_other_course(spec, designer=False)  # Amara, launched from another course
    page = elsewhere.get("partner")
    assert page.status_code == 200 and 'data-testid="no-partner"' in page.text
    assert her_partner.replace("'", "&#39;") not in page.text
    assert "Pilot course pairing" not in page.text
    for path in ("people", "pairs"):
        assert elsewhere.get(f"programs/{program_id}/{path}").status_code == 403


def test_the_partner_page_shows_only_what_the_partner_shares(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    with app.app_context():
        program = get_program(program_id)
        run_matching(program)
        publish_pairs(program)
        amara = seeded_person(program.course_id, "amara.okafor").id
        pair = next(p for p in program.pairs if amara in (p.mentor_id, p.mentee_id))
        partner_id = pair.mentee_id if pair.mentor_id == amara else pair.mentor_id
        partner = db.session.scalars(
            sa.select(Profile).filter_by(program_id=program_id, person_id=partner_id)
        ).one()
        partner.consents_to_share = False
        skill = db.session.scalars(
            sa.select(Skill.name).join(Skill.profile_links).where(Skill.program_id == program_id)
        ).first()
        db.session.commit()
        email = db.session.get(Person, partner_id).email
    assert skill

    text = enter(spec, LEARNER).get("partner").text
    assert "chose not to share their profile" in text
    assert email not in text and "Skills they offer" not in text
    assert "Why you were matched" in text

    with app.app_context():
        row = db.session.scalars(
            sa.select(Profile).filter_by(program_id=program_id, person_id=partner_id)
        ).one()
        row.consents_to_share = True
        db.session.commit()
    text = enter(spec, LEARNER).get("partner").text
    assert email in text and "Skills they offer" in text


def test_a_leaver_is_rematched_from_the_review_page(spec: Platform, app: Flask) -> None:
    """A published mentor leaves the course in the LMS; the roster sync ends their pair, and
    the designer's "Rematch" gives their mentee the free junior without touching the rest."""
    designer = enter(spec)
    sync_roster(app, designer)
    course_id = course_of(app, designer)
    program_id = new_program(app, course_id)
    fill_profiles(app, program_id, skip=("mateo.rossi",))  # nine juniors for eight seniors
    with app.app_context():
        program = get_program(program_id)
        run_matching(program)
        publish_pairs(program)
        db.session.commit()
        pairs = {p.id: (p.mentor_id, p.mentee_id) for p in program.pairs}
        leaver_pair = min(pairs)
        leaver_id, orphan_id = pairs[leaver_pair]
        leaver = db.session.get(Person, leaver_id)
        user = next(
            u
            for u in (get_user(s.username) for s in seeded_learners())
            if leaver.sub in (u.uuid, str(u.id))
        )
        enrollment = db.session.scalars(
            sa.select(DemoEnrollment).where(
                DemoEnrollment.user_id == user.id, DemoEnrollment.course_id == get_course().id
            )
        ).one()
        enrollment.status = "Inactive"
        db.session.commit()
        enrollment_id = enrollment.id
    try:
        sync_roster(app, designer)
        review = designer.get(f"programs/{program_id}/pairs").text
        assert "Someone left the course" in review and "left the course" in review
        assert "Rematch the people left alone" in review

        rematched = designer.post(f"programs/{program_id}/pairs/rematch", allow_redirects=False)
        assert "everyone else keeps their pair" in followed(designer, rematched)
        after = {p.id: p for p in pairs_of(app, program_id)}
        assert after[leaver_pair].status == PairStatus.ENDED
        assert all(after[i].status == PairStatus.ACTIVE for i in pairs if i != leaver_pair)
        [new] = [p for p in after.values() if p.id not in pairs]
        assert new.mentee_id == orphan_id and new.status == PairStatus.PROPOSED
        published = designer.post(f"programs/{program_id}/pairs/publish", allow_redirects=False)
        assert "Pairs published" in followed(designer, published)
    finally:
        with app.app_context():
            row = db.session.get(DemoEnrollment, enrollment_id)
            row.status = "Active"
            membership = db.session.scalars(
                sa.select(Membership).where(
                    Membership.course_id == course_id, Membership.person_id == leaver_id
                )
            ).one()
            membership.status = "Active"
            db.session.commit()
