"""The pairing workflow: engine results become Pair rows the designer reviews and publishes.

``run_matching`` proposes pairs for the whole program: locked pairs survive, vetoed pairs are
never proposed again, earlier proposals are replaced, and every unmatched person's reason is
kept on the ``MatchingRun``. ``rematch_leavers`` (after ``leavers.flag_leavers``, or a pair the
designer ended with ``ending.end_pair``) finds new partners only for the people left alone. The
designer's decisions on the proposals (lock, veto, pair by hand, publish) are in ``decisions``.

Services take explicit arguments, flush when they need ids, and never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.jobs.tracked import pending_unless_lost
from lti_tool.matching.engine import match, rematch
from lti_tool.matching.engine.candidates import (
    MatchingInputError,
    MatchResult,
    PairIds,
    ProposedPair,
    Unmatched,
)
from lti_tool.matching.models import (
    MatchingRun,
    Pair,
    PairStatus,
    Profile,
    Program,
    ProgramStatus,
    RunKind,
    RunStatus,
)
from lti_tool.matching.pool import Pool, build_pool
from lti_tool.matching.programs import get_program

# The phases of a run, for its progress: (done, total, what it is doing).
Phase = Callable[[int, int, str], None]
PHASES = ("Reading the profiles", "Finding the best pairs", "Saving the pairs")
CURRENT = (PairStatus.PROPOSED, PairStatus.LOCKED, PairStatus.ACTIVE)
UNPUBLISHED = (PairStatus.PROPOSED, PairStatus.LOCKED)


# -- lookups -------------------------------------------------------------------------------


def current_pairs(program: Program) -> list[Pair]:
    """Proposed, locked and active pairs, in creation order."""
    return sorted((p for p in program.pairs if p.status in CURRENT), key=lambda p: p.id or 0)


def previous_pair_ids(program: Program) -> PairIds:
    """``(mentor_id, mentee_id)`` of pairs that ran in the course's other programs: the same
    two people are not paired twice."""
    rows = db.session.execute(
        sa.select(Pair.mentor_id, Pair.mentee_id)
        .join(Program, Program.id == Pair.program_id)
        .where(
            Program.course_id == program.course_id,
            Program.id != program.id,
            Pair.status.in_([PairStatus.ACTIVE, PairStatus.ENDED]),
        )
    )
    return frozenset((a, b) for a, b in rows)


def count_ready_profiles(program: Program) -> int:
    """Submitted intake profiles: how big a run will be."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Profile)
            .where(Profile.program_id == program.id, Profile.submitted_at.is_not(None))
        )
        or 0
    )


def latest_run(program: Program) -> MatchingRun | None:
    return db.session.scalars(
        sa.select(MatchingRun)
        .where(MatchingRun.program_id == program.id)
        .order_by(MatchingRun.created_at.desc(), MatchingRun.id.desc())
        .limit(1)
    ).first()


def find_pending_run(program: Program) -> MatchingRun | None:
    return db.session.scalars(
        sa.select(MatchingRun).where(
            MatchingRun.program_id == program.id,
            MatchingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        )
    ).first()


def ensure_reviewable(program: Program) -> None:
    """Pairs change while the program is matching, and (after a leaver) while active.

    :raise DomainError: the program is a draft or closed.
    """
    if program.status not in (ProgramStatus.MATCHING, ProgramStatus.ACTIVE):
        hint = (
            _("Open the intake first: pairs are made while the program is matching.")
            if program.status == ProgramStatus.DRAFT
            else _("A closed program keeps its pairs as they were, for the reports.")
        )
        raise DomainError(
            _("This program is %(status)s: its pairs cannot change now.", status=program.status),
            hint=hint,
        )


# -- runs ----------------------------------------------------------------------------------


def request_run(
    program: Program, requested_by_id: int | None = None, kind: RunKind = RunKind.MATCH
) -> MatchingRun:
    """A queued run; ``execute_run`` does the work (now, or in a job).

    :raise DomainError: the program cannot be (re)matched now, or a run is under way.
    """
    if kind == RunKind.MATCH and program.status != ProgramStatus.MATCHING:
        raise DomainError(
            _(
                "This program is %(status)s: matching runs only while it is matching.",
                status=program.status,
            ),
            hint=_(
                "Open the intake to start matching; once pairs are published, rematch only "
                "the people whose partner left."
            ),
        )
    ensure_reviewable(program)
    # A lost run (never started, or its worker stopped) is marked failed and replaced.
    pending = pending_unless_lost(find_pending_run(program))
    if pending is not None:
        raise DomainError(
            _("A matching run for this program is already under way."),
            hint=_("Wait for it to finish; its page refreshes by itself."),
        )
    run = MatchingRun(program=program, kind=kind.value, requested_by_id=requested_by_id)
    db.session.add(run)
    db.session.flush()
    return run


def execute_run(run: MatchingRun, on_phase: Phase | None = None) -> None:
    """Run the engine for a queued (or just started) run and store its pairs and unmatched
    people; ``on_phase(done, total, words)`` hears each phase start (``PHASES``).

    :raise DomainError: the engine refused the program's people or locks.
    """
    if run.status == RunStatus.QUEUED:
        run.start()
    phase = on_phase or (lambda done, total, words: None)
    if run.kind == RunKind.REMATCH:
        _rematch(run, phase)
    else:
        _match(run, phase)


def run_matching(program: Program, requested_by_id: int | None = None) -> MatchingRun:
    """Propose pairs for everyone now: see ``request_run`` and ``execute_run``."""
    run = request_run(program, requested_by_id)
    execute_run(run)
    return run


def rematch_leavers(program: Program, requested_by_id: int | None = None) -> MatchingRun:
    """New partners for the people a leaver left alone; every other pair stays as it is."""
    run = request_run(program, requested_by_id, RunKind.REMATCH)
    execute_run(run)
    return run


def _program_of(run: MatchingRun) -> Program:
    program = get_program(run.program_id)
    if program is None:
        raise DomainError(_("The program of this matching run no longer exists."))
    return program


def _match(run: MatchingRun, phase: Phase) -> None:
    phase(0, len(PHASES), PHASES[0])
    program = _program_of(run)
    pairs = current_pairs(program)
    locked = [p for p in pairs if p.status == PairStatus.LOCKED]
    pool = build_pool(
        program,
        mentor_ids={p.mentor_id for p in locked},
        mentee_ids={p.mentee_id for p in locked},
    )
    kept, notes = [], []
    for pair in locked:
        gone = [i for i in (pair.mentor_id, pair.mentee_id) if i not in pool.ids]
        if gone:
            who = " and ".join(pool.names.get(i, f"Person #{i}") for i in gone)
            notes.append(
                f"The locked pair of {_pair_words(pool, pair)} was dropped: {who} "
                "can no longer take part."
            )
        else:
            kept.append(pair)
    rules = program.matching_rules(
        previous_pairs=previous_pair_ids(program),
        locked_pairs=frozenset((p.mentor_id, p.mentee_id) for p in kept),
    )
    phase(1, len(PHASES), PHASES[1])
    result = _engine(lambda: match(pool.mentors, pool.mentees, rules, program.score_weights()))
    phase(2, len(PHASES), PHASES[2])
    # Earlier proposals are replaced; locked pairs stay (and keep their rows). Written only
    # now, so nothing is held for writing while the engine runs.
    program.pairs = [p for p in program.pairs if p.status not in UNPUBLISHED or p in kept]
    by_ids = {(p.mentor_id, p.mentee_id): p for p in kept}
    for proposed in result.pairs:
        row = by_ids.get((proposed.mentor_id, proposed.mentee_id))
        if row is None:
            row = Pair(
                mentor_id=proposed.mentor_id,
                mentee_id=proposed.mentee_id,
                status=PairStatus.PROPOSED.value,
            )
            program.pairs.append(row)
        store_result(row, proposed)
    db.session.flush()
    _finish(run, pool, result, notes)


def _rematch(run: MatchingRun, phase: Phase) -> None:
    phase(0, len(PHASES), PHASES[0])
    program = _program_of(run)
    flagged = [p for p in program.pairs if p.needs_rematch]
    if not flagged:
        raise DomainError(_("Nobody is waiting for a new partner in this program."))
    current = current_pairs(program)
    involved = current + [p for p in flagged if p not in current]
    pool = build_pool(
        program,
        mentor_ids={p.mentor_id for p in involved},
        mentee_ids={p.mentee_id for p in involved},
    )
    leavers = {i for p in involved for i in (p.mentor_id, p.mentee_id)} - pool.ids
    broken = [p for p in involved if p.needs_rematch or {p.mentor_id, p.mentee_id} & leavers]
    previous = MatchResult(
        pairs=[
            _as_proposed(p)
            for p in involved
            if p.status != PairStatus.ENDED or {p.mentor_id, p.mentee_id} & leavers
        ],
        unmatched=[],
        total_score=0.0,
        objective=program.objective,
    )
    ended = {(p.mentor_id, p.mentee_id) for p in program.pairs if p.status == PairStatus.ENDED}
    # Both people of a pair the designer ended (no leaver in it) look for new partners.
    freed = {
        i
        for p in flagged
        if p.status == PairStatus.ENDED and not {p.mentor_id, p.mentee_id} & leavers
        for i in (p.mentor_id, p.mentee_id)
    }
    rules = program.matching_rules(previous_pairs=previous_pair_ids(program) | ended)
    phase(1, len(PHASES), PHASES[1])
    result = _engine(
        lambda: rematch(
            previous,
            leavers,
            pool.mentors,
            pool.mentees,
            rules,
            program.score_weights(),
            freed_ids=freed,
        )
    )
    phase(2, len(PHASES), PHASES[2])
    notes = [note for p in broken if (note := _dissolve(program, pool, p, leavers))]
    known = {(p.mentor_id, p.mentee_id) for p in current_pairs(program)}
    for proposed in result.pairs:
        if (proposed.mentor_id, proposed.mentee_id) not in known:
            row = Pair(
                mentor_id=proposed.mentor_id,
                mentee_id=proposed.mentee_id,
                status=PairStatus.PROPOSED.value,
            )
            program.pairs.append(row)
            store_result(row, proposed)
    db.session.flush()
    _finish(run, pool, result, notes)


def _dissolve(program: Program, pool: Pool, pair: Pair, leavers: set[int]) -> str | None:
    """Take a pair a leaver broke out of the program's current pairs."""
    pair.needs_rematch = False
    who = " and ".join(
        pool.names.get(i, f"Person #{i}") for i in (pair.mentor_id, pair.mentee_id) if i in leavers
    )
    if not who and pair.status == PairStatus.ENDED:
        return f"The pair of {_pair_words(pool, pair)} was ended: both were matched again."
    if not who:
        return None  # the leaver came back: the pair stays as it was
    if pair.status == PairStatus.ACTIVE:
        pair.end(f"{who} left the program")
    elif pair.status in UNPUBLISHED:
        program.pairs.remove(pair)
    return f"{who} left: the pair of {_pair_words(pool, pair)} has ended."


def _engine(call) -> MatchResult:
    try:
        return call()
    except MatchingInputError as error:
        raise DomainError(str(error), hint=_("Check the locked pairs and try again.")) from error


def _finish(run: MatchingRun, pool: Pool, result: MatchResult, notes: list[str]) -> None:
    run.beat(done=len(PHASES), total=len(PHASES))
    run.finish(
        people_count=len(pool.ids),
        pair_count=len(result.pairs),
        total_score=result.total_score,
        objective=result.objective,
        unmatched=unmatched_rows([*result.unmatched, *pool.left_out]),
        notes=notes,
    )


def unmatched_rows(unmatched: Iterable[Unmatched]) -> list[dict]:
    return [{"person_id": u.person_id, "side": u.side, "reason": u.reason} for u in unmatched]


def store_result(pair: Pair, proposed: ProposedPair) -> None:
    """Copy the engine's score, breakdown, reasons and rule checks onto a Pair row."""
    pair.score = float(proposed.score)
    pair.breakdown = dict(proposed.breakdown)
    pair.explanation = dict(proposed.reasons)
    pair.rules_passed = list(proposed.rules_passed)
    pair.rules_broken = list(proposed.rules_broken)


def _as_proposed(pair: Pair) -> ProposedPair:
    return ProposedPair(
        mentor_id=pair.mentor_id,
        mentee_id=pair.mentee_id,
        score=pair.score,
        breakdown=dict(pair.breakdown or {}),
        reasons=dict(pair.explanation or {}),
        rules_passed=list(pair.rules_passed or []),
        rules_broken=list(pair.rules_broken or []),
        is_locked=pair.status != PairStatus.PROPOSED,
        override_reason=pair.override_reason,
    )


def _pair_words(pool: Pool, pair: Pair) -> str:
    return (
        f"{pool.names.get(pair.mentor_id, f'Person #{pair.mentor_id}')} and "
        f"{pool.names.get(pair.mentee_id, f'Person #{pair.mentee_id}')}"
    )
