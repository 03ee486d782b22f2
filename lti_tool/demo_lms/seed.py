"""Seed data: platform keys, the "Reverse Mentoring Pilot" course and its people.

Everything is idempotent: running the seed twice changes nothing. ``grow_big_course`` bulk
inserts a large course for benchmarks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.directory import PILOT_CONTEXT_ID, set_setting
from lti_tool.demo_lms.flavours import (
    FLAVOURS,
    ROLE_CONTENT_DEVELOPER,
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
)
from lti_tool.demo_lms.keys import ensure_platform_key
from lti_tool.demo_lms.models import DemoCourse, DemoEnrollment, DemoUser
from lti_tool.extensions import db

EMAIL_DOMAIN = "northwind.example"


@dataclass(frozen=True)
class SeedPerson:
    username: str
    given_name: str | None
    family_name: str | None
    department: str | None
    seniority_level: int | None
    years_experience: int | None
    job_title: str | None
    roles: tuple[str, ...] = (ROLE_LEARNER,)
    has_email: bool = True
    name_only: str | None = None  # a person the LMS knows only by a display name


PEOPLE: tuple[SeedPerson, ...] = (
    SeedPerson(
        "dana.whitfield", "Dana", "Whitfield", "HR", 5, 19, "L&D Lead", roles=(ROLE_INSTRUCTOR,)
    ),
    SeedPerson(
        "marcus.chen",
        "Marcus",
        "Chen",
        "HR",
        3,
        8,
        "Learning Technologist",
        roles=(ROLE_CONTENT_DEVELOPER,),
    ),
    SeedPerson("eleanor.hughes", "Eleanor", "Hughes", "Finance", 6, 31, "Chief Financial Officer"),
    SeedPerson("rajesh.iyer", "Rajesh", "Iyer", "Engineering", 6, 27, "VP Engineering"),
    SeedPerson(
        "margaret.osullivan", "Margaret", "O'Sullivan", "Operations", 5, 24, "Operations Director"
    ),
    SeedPerson("thomas.becker", "Thomas", "Becker", "Sales", 5, 22, "Head of Sales"),
    SeedPerson("catherine.dubois", "Catherine", "Dubois", "Marketing", 5, 20, "Marketing Director"),
    SeedPerson("william.grant", "William", "Grant", "Legal", 4, 18, "Senior Counsel"),
    SeedPerson("fatima.alsayed", "Fatima", "Al-Sayed", "Finance", 4, 14, "Finance Manager"),
    SeedPerson("kenji.watanabe", "Kenji", "Watanabe", "Engineering", 4, 12, "Engineering Manager"),
    SeedPerson("sofia.martinez", "Sofía", "Martínez", "Sales", 3, 7, "Account Executive"),
    SeedPerson("david.kowalski", "David", "Kowalski", "Operations", 3, 6, "Supply Planner"),
    SeedPerson("amara.okafor", "Amara", "Okafor", "Marketing", 2, 3, "Social Media Specialist"),
    SeedPerson("liam.nguyen", "Liam", "Nguyen", "Engineering", 1, 1, "Graduate Developer"),
    SeedPerson("zoe.andersson", "Zoë", "Andersson", "Marketing", 1, 2, "Content Creator"),
    SeedPerson("jamal.robinson", "Jamal", "Robinson", "Sales", 2, 2, "Sales Development Rep"),
    SeedPerson("priya.sharma", "Priya", "Sharma", "Engineering", 2, 4, "Data Analyst"),
    SeedPerson("noah.fischer", "Noah", "Fischer", "Finance", 1, 1, "Finance Graduate"),
    SeedPerson("chloe.bernard", "Chloé", "Bernard", "HR", 2, 3, "People Partner"),
    SeedPerson(
        "mateo.rossi",
        "Mateo",
        "Rossi",
        "Operations",
        1,
        0,
        "Operations Apprentice",
        has_email=False,
    ),
    SeedPerson(
        "guest.observer",
        None,
        None,
        None,
        None,
        None,
        None,
        has_email=False,
        name_only="Alex (guest)",
    ),
)


def seed_demo(tool_url: str | None = None, lms_url: str | None = None) -> DemoCourse:
    """Create keys, people and the pilot course unless they exist; remember the URLs given."""
    for flavour in FLAVOURS:
        ensure_platform_key(flavour)
    if tool_url:
        set_setting("tool_url", tool_url.rstrip("/"))
    if lms_url:
        set_setting("lms_url", lms_url.rstrip("/"))
    course = db.session.scalars(
        sa.select(DemoCourse).where(DemoCourse.context_id == PILOT_CONTEXT_ID)
    ).first()
    if course is None:
        course = DemoCourse(
            context_id=PILOT_CONTEXT_ID, title="Reverse Mentoring Pilot", label="RMP-2026"
        )
        db.session.add(course)
        db.session.flush()
    existing = {
        u.username: u
        for u in db.session.scalars(
            sa.select(DemoUser).where(DemoUser.username.in_([p.username for p in PEOPLE]))
        )
    }
    for person in PEOPLE:
        user = existing.get(person.username) or _add_user(person)
        if (
            db.session.scalars(
                sa.select(DemoEnrollment.id).where(
                    DemoEnrollment.course_id == course.id, DemoEnrollment.user_id == user.id
                )
            ).first()
            is None
        ):
            db.session.add(DemoEnrollment(course=course, user=user, roles=list(person.roles)))
    db.session.flush()
    return course


def _add_user(person: SeedPerson) -> DemoUser:
    user = DemoUser(
        username=person.username,
        uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"reciprocal-demo:{person.username}")),
        name=person.name_only,
        given_name=person.given_name,
        family_name=person.family_name,
        email=f"{person.username}@{EMAIL_DOMAIN}" if person.has_email else None,
        seniority_level=person.seniority_level,
        years_experience=person.years_experience,
        department=person.department,
        job_title=person.job_title,
    )
    db.session.add(user)
    db.session.flush()
    return user


GIVEN = (
    "Ava",
    "Ben",
    "Cara",
    "Dev",
    "Emil",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jia",
    "Kofi",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vik",
)
FAMILY = (
    "Adams",
    "Bauer",
    "Costa",
    "Diallo",
    "Evans",
    "Fontaine",
    "Gupta",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Larsen",
    "Moreau",
    "Novak",
    "Ortiz",
    "Petrov",
    "Quist",
    "Reyes",
)
DEPARTMENTS = ("Marketing", "Engineering", "Finance", "HR", "Operations", "Sales")


def grow_big_course(members: int, context_id: str | None = None, batch: int = 2000) -> DemoCourse:
    """A course with ``members`` learners (plus the pilot's designer), inserted in bulk."""
    context_id = context_id or f"BIG-{members}"
    course = db.session.scalars(
        sa.select(DemoCourse).where(DemoCourse.context_id == context_id)
    ).first()
    if course is None:
        course = DemoCourse(
            context_id=context_id, title=f"Company-wide Cohort ({members:,})", label=context_id
        )
        db.session.add(course)
        db.session.flush()
        designer = db.session.scalars(
            sa.select(DemoUser).where(DemoUser.username == PEOPLE[0].username)
        ).first()
        if designer is not None:
            db.session.add(DemoEnrollment(course=course, user=designer, roles=[ROLE_INSTRUCTOR]))
            db.session.flush()
    prefix = f"{context_id.lower()}.member"
    have = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DemoUser)
            .where(DemoUser.username.startswith(prefix))
        )
        or 0
    )
    now = utcnow()
    for start in range(have, members, batch):
        stop = min(start + batch, members)
        rows = [_bulk_user_row(prefix, i) for i in range(start, stop)]
        db.session.execute(sa.insert(DemoUser), rows)
        ids = db.session.scalars(
            sa.select(DemoUser.id).where(DemoUser.username.in_([r["username"] for r in rows]))
        ).all()
        db.session.execute(
            sa.insert(DemoEnrollment),
            [
                {
                    "course_id": course.id,
                    "user_id": uid,
                    "roles": [ROLE_LEARNER],
                    "status": "Active",
                    "updated_at": now,
                }
                for uid in ids
            ],
        )
    return course


def _bulk_user_row(prefix: str, i: int) -> dict:
    given, family = GIVEN[i % len(GIVEN)], FAMILY[(i // len(GIVEN)) % len(FAMILY)]
    username = f"{prefix}{i:06d}"
    return {
        "username": username,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"reciprocal-demo:{username}")),
        "name": None,
        "given_name": given,
        "family_name": f"{family}-{i}",
        "email": f"{username}@{EMAIL_DOMAIN}",
        "seniority_level": 1 + (i * 7) % 6,
        "years_experience": (i * 13) % 35,
        "department": DEPARTMENTS[i % len(DEPARTMENTS)],
        "job_title": None,
    }
