"""Program, its skill catalogue, intake Profiles, Pairs, vetoes, the do-not-pair list and
MatchingRuns.

Each model owns its state: status changes are methods that raise ``DomainError`` when the
change is not allowed now. ``Program.matching_rules`` and ``Program.score_weights`` turn the
stored settings into the pure engine's ``MatchingRules`` and ``Weights``. The models live in
one module per concern; import them from here.
"""

from __future__ import annotations

from lti_tool.matching.models.meetings import MeetingProposal
from lti_tool.matching.models.pairs import DoNotPair, Pair, PairStatus, PairVeto
from lti_tool.matching.models.profiles import Profile, ProfileSkill
from lti_tool.matching.models.programs import (
    CASCADE,
    Program,
    ProgramStatus,
    SenioritySource,
    Skill,
    default_weights,
)
from lti_tool.matching.models.runs import MatchingRun, RunKind, RunStatus

__all__ = [
    "CASCADE",
    "DoNotPair",
    "MatchingRun",
    "MeetingProposal",
    "Pair",
    "PairStatus",
    "PairVeto",
    "Profile",
    "ProfileSkill",
    "Program",
    "ProgramStatus",
    "RunKind",
    "RunStatus",
    "SenioritySource",
    "Skill",
    "default_weights",
]
