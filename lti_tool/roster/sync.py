"""Roster sync over NRPS: read every page first, then apply everything in one go.

A full sync reads the course's whole member list; an incremental one reads only what changed
since the last sync, through the ``rel="differences"`` link the platform offered then. Either
way nothing is written until the platform has answered every page, so a platform error
leaves the roster exactly as it was. The writes are a handful of bulk statements — two or
three queries to load what exists, then bulk inserts and updates — so 10,000 members apply
in well under a second.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from lti_tool.core.lti_spec import LIS
from lti_tool.core.time import utcnow
from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course, Membership, Person, RosterSync
from lti_tool.roster.nrps import MembershipRead, read_memberships
from lti_tool.roster.signals import members_left

log = logging.getLogger(__name__)

FULL = "full"
INCREMENTAL = "incremental"
PERSON_FIELDS = ("name", "given_name", "family_name", "email")
CHUNK = 2000  # ids per IN (...) query

# ``progress(pages_read, members_seen)`` while the pages come in.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Member:
    """One member as the platform listed them, normalised."""

    sub: str
    roles: list[str]
    status: str
    details: dict[str, str]


@dataclass
class SyncOutcome:
    kind: str
    pages_read: int
    members_seen: int
    added: int = 0
    updated: int = 0
    left_person_ids: list[int] = field(default_factory=list)
    differences_url: str | None = None
    skipped: int = 0
    skipped_reasons: list[str] = field(default_factory=list)

    @property
    def left(self) -> int:
        return len(self.left_person_ids)


def sync_memberships(
    course: Course,
    *,
    full: bool = False,
    differences_url: str | None = None,
    page_size: int | None = None,
    progress: Progress | None = None,
) -> SyncOutcome:
    """Bring the course's people and memberships in line with the platform's NRPS list.

    Incremental when ``differences_url`` is given and ``full`` is not asked; if the platform
    refuses that link (expired, say), the whole list is read instead. Members who stop being
    Active are announced on ``members_left`` inside this transaction. Flushes, never commits.

    :raise PlatformServiceError: the course has no NRPS endpoint, or the platform failed or
        answered something unusable — nothing is applied.
    """
    if not course.memberships_url:
        raise PlatformServiceError(
            "Your LMS has not given the tool this course's member list (no NRPS endpoint).",
            hint="Ask your LMS administrator to allow the tool to read course memberships, "
            "then open the tool from the course again.",
        )
    platform = db.session.get(Platform, course.platform_id)  # usually no query
    if differences_url and not full:
        try:
            read = read_memberships(platform, differences_url, on_page=progress)
            kind = INCREMENTAL
        except PlatformServiceError as exc:
            log.warning(
                "Course %s: differences link refused (%s); reading the whole list",
                course.id,
                exc.message,
            )
            read, kind = None, FULL
    else:
        read, kind = None, FULL
    if read is None:
        read = read_memberships(platform, course.memberships_url, limit=page_size, on_page=progress)
    normalised = normalise_members(read)
    if kind == FULL and not normalised.members:
        if normalised.skipped:
            raise PlatformServiceError(
                "None of the entries of your LMS's member list could be used: "
                f"{'; '.join(normalised.skipped_reasons())}.",
                hint="Nothing was changed. Show this message to your LMS administrator.",
            )
        raise PlatformServiceError(
            "Your LMS listed no members at all for this course.",
            hint="Nothing was changed. Try again in a few minutes.",
        )
    outcome = SyncOutcome(
        kind,
        read.pages,
        normalised.usable,
        differences_url=read.differences_url,
        skipped=normalised.skipped_count,
        skipped_reasons=normalised.skipped_reasons(),
    )
    apply_members(
        course, platform.issuer, normalised.members, complete=kind == FULL, outcome=outcome
    )
    if outcome.left_person_ids:
        members_left.send(course.id, person_ids=outcome.left_person_ids)
    return outcome


@dataclass
class Normalised:
    """The usable members of a list, and what was skipped: reason → how many entries."""

    members: list[Member]
    usable: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    def skipped_reasons(self) -> list[str]:
        """``["2 entries had no user_id", …]``, most frequent first."""
        return [
            f"{n} {'entry' if n == 1 else 'entries'} {reason[n != 1]}"
            for reason, n in self.skipped.most_common()
        ]


# Why an entry of the list is skipped: (said of one entry, said of several).
NOT_AN_OBJECT = ("was not a member object", "were not member objects")
NO_USER_ID = ("had no user_id", "had no user_id")
ROLES_NOT_A_LIST = ("had roles that are not a list", "had roles that are not a list")


def normalise_members(read: MembershipRead) -> Normalised:
    """Members with a ``user_id``, one per user (the last listed wins), roles as LIS URIs;
    entries that are not usable members are counted, by reason, and left out.

    Moodle lists short role names (``Learner``); launches carry full URIs, so both are kept
    as ``…/membership#Learner`` and a launch after a sync changes nothing.
    """
    by_sub: dict[str, Member] = {}
    result = Normalised([])
    for raw in read.members:
        if not isinstance(raw, dict):
            result.skipped[NOT_AN_OBJECT] += 1
            continue
        if raw.get("user_id") in (None, ""):
            result.skipped[NO_USER_ID] += 1
            continue
        if not isinstance(raw.get("roles", []), list | None):
            result.skipped[ROLES_NOT_A_LIST] += 1
            continue
        roles = [_role_uri(r) for r in raw.get("roles") or [] if isinstance(r, str) and r]
        status = str(raw.get("status") or Membership.ACTIVE).capitalize()
        if status not in Membership.STATUSES:
            status = Membership.ACTIVE
        details = {
            f: raw[f].strip()
            for f in PERSON_FIELDS
            if isinstance(raw.get(f), str) and raw[f].strip()
        }
        sub = str(raw["user_id"])
        by_sub[sub] = Member(sub, roles, status, details)
        result.usable += 1
    result.members = list(by_sub.values())
    if result.skipped:
        log.warning("NRPS list: skipped %s", "; ".join(result.skipped_reasons()))
    return result


def _role_uri(role: str) -> str:
    role = role.strip()
    return role if ":" in role else f"{LIS}membership#{role}"


def apply_members(
    course: Course, issuer: str, members: list[Member], *, complete: bool, outcome: SyncOutcome
) -> None:
    """Upsert people and memberships in bulk; with ``complete`` (a full list), members the
    platform no longer lists become Deleted. Counts go into ``outcome``."""
    now = utcnow()
    person_ids, changed_people = _upsert_people(issuer, members, now)
    existing = _memberships(course.id, None if complete else list(person_ids.values()))
    inserts: list[dict] = []
    updates: list[dict] = []
    left: list[int] = []
    for member in members:
        person_id = person_ids[member.sub]
        known = existing.pop(person_id, None)
        if known is None:
            inserts.append(
                {
                    "course_id": course.id,
                    "person_id": person_id,
                    "roles": member.roles,
                    "status": member.status,
                    "updated_at": now,
                }
            )
            if member.status == Membership.ACTIVE:
                outcome.added += 1
            continue
        membership_id, roles, status = known
        was_active = status == Membership.ACTIVE
        is_active = member.status == Membership.ACTIVE
        if roles != member.roles or status != member.status:
            updates.append(
                {
                    "id": membership_id,
                    "roles": member.roles,
                    "status": member.status,
                    "updated_at": now,
                }
            )
        if is_active and not was_active:
            outcome.added += 1
        elif was_active and not is_active:
            left.append(person_id)
        elif is_active and (roles != member.roles or person_id in changed_people):
            outcome.updated += 1
    if complete:
        for person_id, (membership_id, roles, status) in existing.items():  # not listed: gone
            if status != Membership.DELETED:
                updates.append(
                    {
                        "id": membership_id,
                        "roles": roles,
                        "status": Membership.DELETED,
                        "updated_at": now,
                    }
                )
                if status == Membership.ACTIVE:
                    left.append(person_id)
    if inserts:
        db.session.execute(sa.insert(Membership.__table__), inserts)
    if updates:
        db.session.execute(sa.update(Membership), updates)
    outcome.left_person_ids = sorted(left)


def _upsert_people(
    issuer: str, members: list[Member], now: dt.datetime
) -> tuple[dict[str, int], set[int]]:
    """sub → person id for every member, creating people the tool has not met; names and
    email are updated only when shared (as ``upsert_person`` does at launch)."""
    columns = [getattr(Person, f) for f in PERSON_FIELDS]
    found: dict[str, tuple] = {}  # sub → (id, name, given_name, family_name, email)
    for chunk in _chunks([m.sub for m in members]):
        for person_id, sub, *values in db.session.execute(
            sa.select(Person.id, Person.sub, *columns).where(
                Person.issuer == issuer, Person.sub.in_(chunk)
            )
        ):
            found[sub] = (person_id, *values)
    ids = {sub: values[0] for sub, values in found.items()}
    new_rows: list[dict] = []
    updates: list[dict] = []
    for member in members:
        known = found.get(member.sub)
        if known is None:
            new_rows.append(
                {
                    "issuer": issuer,
                    "sub": member.sub,
                    "created_at": now,
                    "updated_at": now,
                    **{f: member.details.get(f) for f in PERSON_FIELDS},
                }
            )
            continue
        stored = dict(zip(PERSON_FIELDS, known[1:], strict=True))
        changes = {f: v for f, v in member.details.items() if stored[f] != v}
        if changes:
            updates.append({"id": known[0], "updated_at": now, **changes})
    if new_rows:
        # One executemany, then the new ids by sub: far faster than INSERT … RETURNING
        # row by row.
        db.session.execute(sa.insert(Person.__table__), new_rows)
        for chunk in _chunks([row["sub"] for row in new_rows]):
            ids.update(
                (sub, person_id)
                for sub, person_id in db.session.execute(
                    sa.select(Person.sub, Person.id).where(
                        Person.issuer == issuer, Person.sub.in_(chunk)
                    )
                )
            )
    if updates:
        db.session.execute(sa.update(Person), updates)
    return ids, {u["id"] for u in updates}


def _memberships(
    course_id: int, person_ids: list[int] | None
) -> dict[int, tuple[int, list[str], str]]:
    """person id → (membership id, roles, status) in the course: all, or only these people."""
    query = sa.select(Membership.person_id, Membership.id, Membership.roles, Membership.status)
    query = query.where(Membership.course_id == course_id)
    queries = (
        [query]
        if person_ids is None
        else [query.where(Membership.person_id.in_(chunk)) for chunk in _chunks(person_ids)]
    )
    return {
        person_id: (membership_id, roles, status)
        for q in queries
        for person_id, membership_id, roles, status in db.session.execute(q)
    }


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def last_differences_url(course: Course) -> str | None:
    """The ``rel="differences"`` link of the course's last successful sync, if any."""
    return db.session.scalar(
        sa.select(RosterSync.differences_url)
        .where(RosterSync.course_id == course.id, RosterSync.status == RosterSync.DONE)
        .order_by(RosterSync.finished_at.desc(), RosterSync.id.desc())
        .limit(1)
    )


def latest_sync(course: Course) -> RosterSync | None:
    """The course's most recent sync (queued, running or finished)."""
    return db.session.scalars(
        sa.select(RosterSync)
        .where(RosterSync.course_id == course.id)
        .order_by(RosterSync.created_at.desc(), RosterSync.id.desc())
        .limit(1)
    ).first()


def new_sync(
    course: Course, *, trigger: str, requested_by: Person | None = None, full: bool = False
) -> RosterSync:
    """A queued RosterSync row (flushed, so it has an id for the job)."""
    sync = RosterSync(
        course=course,
        trigger=trigger,
        requested_by=requested_by,
        kind=FULL if full else None,
        status=RosterSync.QUEUED,
    )
    db.session.add(sync)
    db.session.flush()
    return sync


def courses_due_for_sync(
    *, synced_before: dt.datetime, failed_before: dt.datetime | None = None
) -> list[Course]:
    """Courses with an NRPS endpoint whose latest sync (of any status) started before
    ``synced_before``, or that never had one — or whose latest sync failed and started
    before ``failed_before`` (a platform that was down is tried again sooner)."""
    latest = (
        sa.select(RosterSync.course_id, sa.func.max(RosterSync.created_at).label("at"))
        .group_by(RosterSync.course_id)
        .subquery()
    )
    due = sa.or_(latest.c.at.is_(None), latest.c.at < synced_before)
    if failed_before is not None:
        failed = (
            sa.select(RosterSync.id)
            .where(
                RosterSync.course_id == Course.id,
                RosterSync.created_at == latest.c.at,
                RosterSync.status == RosterSync.FAILED,
            )
            .exists()
        )
        due = sa.or_(due, sa.and_(latest.c.at < failed_before, failed))
    return list(
        db.session.scalars(
            sa.select(Course)
            .outerjoin(latest, latest.c.course_id == Course.id)
            .where(Course.memberships_url.is_not(None))
            .where(due)
            .order_by(Course.id)
        )
    )
