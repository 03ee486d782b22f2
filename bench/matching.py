"""Benchmark the matching engine end to end on realistic programs, with every rule on.

For each size (people per side) a fresh subprocess generates a seeded program — juniors on the
mentor side, seniors on the mentee side with overlapping levels so the gap rule bites, 12
departments, 40 skills, interests, goals, languages with a few people sharing none, time zones,
reporting lines, capacity 2 for some mentors, previous pairs, do-not-pair entries, vetoes and
locks — then times one ``match`` call (scores, rules, solve, explanations) and reads the
process's peak resident memory (``ru_maxrss``: interpreter, libraries and the generated people
included; the table also shows it just before ``match``).

    .venv/bin/python bench/matching.py                 # 100 500 1000 2000 5000, objective total
    .venv/bin/python bench/matching.py --sizes 2000 --objective maximin

Prints a table, then the figures as the final JSON line:
``{"results": [{"per_side": 2000, "seconds": 1.1, "peak_mib": 350}, ...]}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool.matching.engine import match  # noqa: E402
from lti_tool.matching.engine.candidates import Candidate, MatchingRules  # noqa: E402

SIZES = (100, 500, 1000, 2000, 5000)
DEPARTMENTS = (
    "Sales", "Marketing", "Finance", "HR", "IT", "Operations", "Legal", "R&D",
    "Customer Service", "Procurement", "Communications", "Strategy Office",
)  # fmt: skip
JUNIOR_SKILLS = (
    "social media", "AI tools", "collaboration tools", "data literacy", "current trends",
    "generational perspectives", "diversity and inclusion", "mobile apps", "video content",
    "online communities", "no-code automation", "cloud storage", "digital security",
    "remote work practices", "personal branding", "gaming culture", "sustainability trends",
    "e-commerce", "podcasting", "design tools",
)  # fmt: skip
SENIOR_SKILLS = (
    "strategy", "leadership", "stakeholder management", "industry knowledge",
    "career navigation", "negotiation", "budgeting", "decision making", "public speaking",
    "networking", "change management", "conflict resolution", "hiring", "client relations",
    "project governance", "organisational politics", "mentoring others", "business writing",
    "long-term planning", "crisis management",
)  # fmt: skip
INTERESTS = tuple(f"interest {i}" for i in range(30))
GOALS = tuple(f"goal {i}" for i in range(12))
OFFICES = ((-8.0, 0.08), (-5.0, 0.2), (0.0, 0.15), (1.0, 0.3), (2.0, 0.1), (5.5, 0.1), (8.0, 0.07))
SECOND_LANGUAGES = ("German", "French", "Spanish", "Portuguese", "Hindi", "Mandarin")


def _pick(rng: np.random.Generator, pool: tuple[str, ...], low: int, high: int) -> frozenset[str]:
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.7  # some keys far more popular
    k = int(rng.integers(low, high + 1))
    chosen = rng.choice(len(pool), size=k, replace=False, p=weights / weights.sum())
    return frozenset(pool[i] for i in chosen)


def _languages(rng: np.random.Generator) -> frozenset[str]:
    if rng.random() < 0.015:  # a few people share no language with most others
        return frozenset({str(rng.choice(("Japanese", "Polish", "Turkish")))})
    extra = {str(rng.choice(SECOND_LANGUAGES))} if rng.random() < 0.4 else set()
    return frozenset({"English", *extra})


def _person(
    rng: np.random.Generator, person_id: int, junior: bool, manager: int | None
) -> Candidate:
    offers, wants = (JUNIOR_SKILLS, SENIOR_SKILLS) if junior else (SENIOR_SKILLS, JUNIOR_SKILLS)
    seniority = (
        rng.choice((1, 2, 3, 4, 5), p=(0.3, 0.3, 0.2, 0.12, 0.08))
        if junior
        else (rng.choice((3, 4, 5, 6, 7, 8), p=(0.08, 0.12, 0.2, 0.25, 0.2, 0.15)))
    )
    offices, shares = zip(*OFFICES, strict=True)
    return Candidate(
        person_id=person_id,
        seniority=float(seniority),
        name=f"Person {person_id}",
        department=str(rng.choice(DEPARTMENTS)),
        reporting_line=manager,
        skills_offered=_pick(rng, offers, 2, 5) | _pick(rng, wants, 0, 1),
        skills_wanted=_pick(rng, wants, 2, 4),
        interests=_pick(rng, INTERESTS, 2, 5),
        goals=_pick(rng, GOALS, 1, 3),
        languages=_languages(rng),
        utc_offset_hours=float(rng.choice(offices, p=np.array(shares) / sum(shares))),
        open_to_other_department=bool(rng.random() < 0.9),
        capacity=2 if junior and rng.random() < 0.1 else None,
    )


def make_program(per_side: int, seed: int = 2024) -> tuple[list, list, MatchingRules]:
    """A seeded program of ``per_side`` mentors and mentees with every rule switched on."""
    rng = np.random.default_rng(seed + per_side)
    mentee_ids = list(range(1, per_side + 1))
    mentor_ids = list(range(per_side + 1, 2 * per_side + 1))
    team_leads = [10_000_000 + i for i in range(max(1, per_side // 8))]
    directors = range(20_000_000, 20_000_030)
    mentees = [_person(rng, i, False, int(rng.choice(directors))) for i in mentee_ids]
    mentors = []
    for i in mentor_ids:  # a quarter report to a senior in the program, the rest to team leads
        boss = int(rng.choice(mentee_ids)) if rng.random() < 0.25 else int(rng.choice(team_leads))
        mentors.append(_person(rng, i, True, boss))

    def some_pairs(count: int) -> set[tuple[int, int]]:
        return {(int(rng.choice(mentor_ids)), int(rng.choice(mentee_ids))) for _ in range(count)}

    vetoed = some_pairs(max(1, per_side // 50))
    locked = {}
    for mentor_id, mentee_id in sorted(some_pairs(max(1, per_side // 100)) - vetoed):
        locked.setdefault(mentee_id, mentor_id)
    rules = MatchingRules(
        min_seniority_gap=2,
        exclude_same_department=True,
        respect_department_preference=True,
        exclude_same_reporting_line=True,
        require_shared_language=True,
        max_timezone_gap_hours=6,
        mentor_capacity=1,
        previous_pairs=some_pairs(per_side // 20),
        do_not_pair=some_pairs(per_side // 50),
        vetoed_pairs=vetoed,
        locked_pairs={(mentor, mentee) for mentee, mentor in locked.items()},
    )
    return mentors, mentees, rules


def run_one(per_side: int, objective: str) -> dict:
    """Generate one program and time ``match`` on it (run in a fresh process)."""
    mentors, mentees, rules = make_program(per_side)
    rules = replace(rules, objective=objective)
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = match(mentors, mentees, rules)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "per_side": per_side,
        "seconds": round(seconds, 3),
        "peak_mib": round(peak_kib / 1024),
        "before_mib": round(before_kib / 1024),
        "pairs": len(result.pairs),
        "unmatched": len(result.unmatched),
        "total_score": result.total_score,
        "min_score": result.min_score,
    }


def _machine() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024**2:.0f} GiB RAM"
    return (
        f"{cpu}, {os.cpu_count()} CPUs{memory}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--objective", default="total")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size, JSON out
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.objective)))
        return

    print(f"# matching benchmark: {_machine()}, objective {args.objective}")
    print(
        f"{'per side':>9} {'seconds':>8} {'peak MiB':>9} {'before':>7} "
        f"{'pairs':>6} {'unmatched':>9} {'min score':>9}"
    )
    results = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--objective", args.objective],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        print(
            f"{row['per_side']:>9} {row['seconds']:>8.3f} {row['peak_mib']:>9} "
            f"{row['before_mib']:>7} {row['pairs']:>6} {row['unmatched']:>9} "
            f"{row['min_score'] or 0:>9.2f}",
            flush=True,
        )
        results.append({k: row[k] for k in ("per_side", "seconds", "peak_mib")})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
