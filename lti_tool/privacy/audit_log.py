"""Reading the audit log for a page: filtered by kind and dates, newest first, paginated.

A kind is an action's first word (``pair`` for ``pair.vetoed``); the kinds offered are the
ones present in the viewer's scope, so a domain that starts auditing something new shows up
without a change here. People are named by looking their id up at reading time: an erased
person shows as a former participant.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.audit import AuditEvent
from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.roster.models import Person

PAGE_SIZE = 50
PERSON_KEYS = ("mentor_id", "mentee_id")


@dataclass(frozen=True)
class AuditFilter:
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilter:
        """:raise ValidationError: a date that is not YYYY-MM-DD, or a page below 1."""
        return cls(
            kind=(args.get("kind") or "").strip()[:64],
            since=_date(args.get("since"), _("From")),
            until=_date(args.get("until"), _("Until")),
            page=_page(args.get("page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link to this filter (another page, say)."""
        values = {
            "kind": self.kind,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "page": self.page,
        } | changes
        return {k: v for k, v in values.items() if v not in ("", None)}


def _date(value: str | None, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            _("%(label)s: enter a date as YYYY-MM-DD.", label=label),
            hint=_("For example 2025-03-01."),
        ) from None


def _page(value: str | None) -> int:
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(_("Page: enter a whole number from 1."))
    return int(value)


@dataclass
class AuditRow:
    when: dt.datetime
    actor: str
    person: str | None
    via: str | None
    action: str
    subject: str
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class AuditPage:
    rows: list[AuditRow]
    kinds: list[str]
    total: int
    page: int
    pages: int


def read_audit_log(
    query_filter: AuditFilter, *, course_id: int | None = None, platform_id: int | None = None
) -> AuditPage:
    """One page of events: only a course's (or a platform's) when it is given, else all."""
    scope = []
    if course_id is not None:
        scope.append(AuditEvent.course_id == course_id)
    if platform_id is not None:
        scope.append(AuditEvent.platform_id == platform_id)
    where = list(scope)
    if query_filter.kind:
        where.append(
            sa.or_(
                AuditEvent.action == query_filter.kind,
                AuditEvent.action.like(query_filter.kind + ".%"),
            )
        )
    if query_filter.since:
        where.append(AuditEvent.created_at >= _midnight(query_filter.since))
    if query_filter.until:
        where.append(AuditEvent.created_at < _midnight(query_filter.until + dt.timedelta(days=1)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*where))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query_filter.page, pages)
    events = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    actions = db.session.scalars(sa.select(AuditEvent.action).where(*scope).distinct())
    kinds = sorted({a.split(".", 1)[0] for a in actions})
    return AuditPage(_rows(events), kinds, total, page, pages)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _rows(events: list[AuditEvent]) -> list[AuditRow]:
    ids = {e.actor_person_id for e in events} | {
        (e.details or {}).get(k) for e in events for k in PERSON_KEYS
    }
    ids = {i for i in ids if isinstance(i, int)}
    names = {
        p.id: p.display_name
        for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))
    }
    return [
        AuditRow(
            when=e.created_at,
            actor=e.actor,
            person=names.get(e.actor_person_id) if e.actor_person_id else None,
            via=e.via,
            action=e.action,
            subject=e.subject,
            details=_details(e.details or {}, names),
        )
        for e in events
    ]


def _details(details: dict[str, Any], names: dict[int, str]) -> list[tuple[str, str]]:
    out = []
    for key, value in details.items():
        if value in (None, "", [], {}):
            continue
        if key in PERSON_KEYS and isinstance(value, int):
            out.append((key.removesuffix("_id"), names.get(value, f"#{value}")))
        else:
            out.append((key.replace("_", " "), _words(value)))
    return out


def _words(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_words(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    return str(value)
