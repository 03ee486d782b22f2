"""What the designer's pairing pages show, precomputed as plain data (templates only display).

``build_review`` gathers the review table (each pair's score by factor, reasons and rules),
the unmatched people with their reason, the vetoes, and the choices for a pair made by hand;
``build_roster`` the course's learners with their profile and where matching left them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from lti_tool.matching.labels import WEIGHT_LABELS
from lti_tool.matching.models import MatchingRun, Pair, PairStatus, Program
from lti_tool.matching.pairing import (
    UNPUBLISHED,
    current_pairs,
    find_pending_run,
    latest_run,
)
from lti_tool.matching.pool import Pool, build_pool, program_profiles
from lti_tool.matching.programs import course_learners


@dataclass(frozen=True)
class FactorRow:
    label: str
    points: float
    weight: float
    reason: str


@dataclass(frozen=True)
class PairRow:
    id: int
    mentor: str
    mentee: str
    score: float
    factors: list[FactorRow]
    rules_passed: list[str]
    rules_broken: list[str]
    status: str
    is_manual: bool
    override_reason: str | None
    needs_rematch: bool
    end_reason: str | None

    @property
    def label(self) -> str:
        """Names the pair for buttons' accessible names."""
        return _(
            "%(mentor)s (mentor) and %(mentee)s (mentee)", mentor=self.mentor, mentee=self.mentee
        )


@dataclass(frozen=True)
class PersonRow:
    person_id: int
    name: str
    side: str
    reason: str

    @property
    def sentence(self) -> str:
        """The reason as a sentence: "No mentor who …" or "Eli has not submitted …"."""
        text = self.reason if self.side else f"{self.name} {self.reason}"
        return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@dataclass
class Review:
    pairs: list[PairRow]
    ended: list[PairRow]
    unmatched: list[PersonRow]
    vetoes: list[tuple[int, str, str, str | None]]  # id, mentor, mentee, reason
    run: MatchingRun | None
    pending_run: MatchingRun | None
    choices: list[tuple[int, str]]  # people a pair by hand may name: id, "name — details"
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def can_publish(self) -> bool:
        return (
            self.pending_run is None
            and self.counts.get("unpublished", 0) > 0
            and self.counts.get("needs_rematch", 0) == 0
        )


def pair_row(pair: Pair, names: dict[int, str], weights: dict[str, float]) -> PairRow:
    reasons = pair.explanation or {}
    factors = [
        FactorRow(
            WEIGHT_LABELS.get(key, key.replace("_", " ")),
            float(points),
            weights.get(key, 0.0),
            reasons.get(key, ""),
        )
        for key, points in (pair.breakdown or {}).items()
    ]
    return PairRow(
        id=pair.id,
        mentor=names.get(pair.mentor_id, f"Person #{pair.mentor_id}"),
        mentee=names.get(pair.mentee_id, f"Person #{pair.mentee_id}"),
        score=pair.score,
        factors=factors,
        rules_passed=list(pair.rules_passed or []),
        rules_broken=list(pair.rules_broken or []),
        status=pair.status,
        is_manual=pair.is_manual,
        override_reason=pair.override_reason,
        needs_rematch=pair.needs_rematch,
        end_reason=pair.end_reason,
    )


def build_review(program: Program) -> Review:
    """The review page's data for ``program``: pairs best first, then everyone left out."""
    pairs = current_pairs(program)
    pool = build_pool(
        program, mentor_ids={p.mentor_id for p in pairs}, mentee_ids={p.mentee_id for p in pairs}
    )
    names, weights = pool.names, program.score_weights().as_dict()
    rows = sorted(
        (pair_row(p, names, weights) for p in pairs),
        key=lambda r: (r.status == PairStatus.ACTIVE, -r.score, r.mentor.casefold()),
    )
    ended = [
        pair_row(p, names, weights)
        for p in program.pairs
        if p.status == PairStatus.ENDED and p.needs_rematch
    ]
    run = latest_run(program)
    paired = {i for p in pairs for i in (p.mentor_id, p.mentee_id)}
    return Review(
        pairs=rows,
        ended=ended,
        unmatched=_unmatched(run, pool, paired, program),
        vetoes=[
            (
                v.id,
                names.get(v.mentor_id, f"Person #{v.mentor_id}"),
                names.get(v.mentee_id, f"Person #{v.mentee_id}"),
                v.reason,
            )
            for v in program.vetoes
        ],
        run=run,
        pending_run=find_pending_run(program),
        choices=_choices(pool),
        counts={
            "pairs": len(rows),
            "manual": sum(1 for p in pairs if p.is_manual),
            "locked": sum(1 for p in pairs if p.status == PairStatus.LOCKED),
            "active": sum(1 for p in pairs if p.status == PairStatus.ACTIVE),
            "unpublished": sum(1 for p in pairs if p.status in UNPUBLISHED),
            "needs_rematch": sum(1 for p in program.pairs if p.needs_rematch),
        },
    )


def _unmatched(
    run: MatchingRun | None, pool: Pool, paired: set[int], program: Program
) -> list[PersonRow]:
    """Everyone who can be matched but has no pair now — the last run's unmatched people
    with the run's reason, the people whose proposed pair was vetoed or withdrawn since —
    and everyone who cannot take part yet (with today's reason)."""
    rows = {
        u.person_id: PersonRow(u.person_id, pool.names.get(u.person_id, ""), u.side, u.reason)
        for u in pool.left_out
    }
    ready = pool.ids
    for entry in run.unmatched if run is not None and not run.is_pending else []:
        person_id = entry["person_id"]
        if person_id in ready and person_id not in paired and person_id not in rows:
            rows[person_id] = PersonRow(
                person_id, pool.names.get(person_id, ""), entry["side"], entry["reason"]
            )
    if run is None:
        return _sorted(rows)
    vetoed = {i for v in program.vetoes for i in (v.mentor_id, v.mentee_id)}
    mentors = {c.person_id for c in pool.mentors}
    for person_id in sorted(ready - paired - rows.keys()):
        reason = (
            _("their proposed pair was vetoed: run matching again, or pair them by hand")
            if person_id in vetoed
            else _(
                "no pair since the last run (their proposed pair was withdrawn, or they were "
                "not ready then): run matching again, or pair them by hand"
            )
        )
        rows[person_id] = PersonRow(
            person_id,
            pool.names.get(person_id, ""),
            "mentor" if person_id in mentors else "mentee",
            reason,
        )
    return _sorted(rows)


def _sorted(rows: dict[int, PersonRow]) -> list[PersonRow]:
    return sorted(rows.values(), key=lambda r: (r.side == "", r.name.casefold()))


def _choices(pool: Pool) -> list[tuple[int, str]]:
    people = sorted((*pool.mentors, *pool.mentees), key=lambda c: c.display_name.casefold())
    return [
        (
            c.person_id,
            _(
                "%(name)s — seniority %(seniority)s, %(department)s",
                name=c.display_name,
                seniority=f"{c.seniority:g}",
                department=c.department,
            )
            if c.department
            else _(
                "%(name)s — seniority %(seniority)s",
                name=c.display_name,
                seniority=f"{c.seniority:g}",
            ),
        )
        for c in people
    ]


@dataclass(frozen=True)
class RosterRow:
    name: str
    profile: str  # "submitted", "started" or "none"
    seniority: float | None
    department: str | None
    shares_profile: bool
    side: str
    partner: str | None
    pair_status: str | None
    reason: str | None


def build_roster(program: Program) -> tuple[list[RosterRow], dict[str, int]]:
    """Every learner of the course with their intake profile and where matching left them."""
    listed = program_profiles(program)
    profiles = {p.person_id: p for p in listed}
    pairs = current_pairs(program)
    pool = build_pool(
        program,
        mentor_ids={p.mentor_id for p in pairs},
        mentee_ids={p.mentee_id for p in pairs},
        profiles=listed,
    )
    sides = {c.person_id: "mentor" for c in pool.mentors}
    sides.update({c.person_id: "mentee" for c in pool.mentees})
    partners: dict[int, tuple[int, str]] = {}
    for pair in pairs:
        partners[pair.mentor_id] = (pair.mentee_id, pair.status)
        partners[pair.mentee_id] = (pair.mentor_id, pair.status)
    left_out = {u.person_id: u.reason for u in pool.left_out}
    rows = []
    for person in course_learners(program.course_id):
        profile = profiles.get(person.id)
        partner = partners.get(person.id)
        rows.append(
            RosterRow(
                name=pool.names.get(person.id, person.display_name),
                profile="none"
                if profile is None
                else ("submitted" if profile.is_submitted else "started"),
                seniority=profile.seniority if profile else None,
                department=profile.department if profile else None,
                shares_profile=bool(profile and profile.consents_to_share),
                side=sides.get(person.id, ""),
                partner=pool.names.get(partner[0]) if partner else None,
                pair_status=partner[1] if partner else None,
                reason=left_out.get(person.id),
            )
        )
    counts = {
        "learners": len(rows),
        "submitted": sum(1 for r in rows if r.profile == "submitted"),
        "ready": len(pool.ids),
        "paired": sum(1 for r in rows if r.partner),
    }
    return rows, counts
