"""What an admin reads about a platform: the steps left in the LMS after registering it, and
what goes when it is removed. Shown by the registration page and the admin pages alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lti_tool.core.i18n import N_, translate
from lti_tool.core.lti_spec import (
    AGS_LINEITEM,
    AGS_LINEITEM_READ,
    AGS_RESULT_READ,
    AGS_SCORE,
    NRPS_READ,
    SCOPE_LABELS,
    TOOL_SCOPES,
)
from lti_tool.platforms.models import Platform

# What stops working without each scope, in an admin's words.
SCOPE_FEATURES = {
    NRPS_READ: N_("roster sync"),
    AGS_SCORE: N_("grade return"),
    AGS_LINEITEM: N_("grade columns"),
    AGS_LINEITEM_READ: N_("finding grade columns"),
    AGS_RESULT_READ: N_("reading grades back"),
}


@dataclass(frozen=True)
class NextSteps:
    """The steps left in the LMS: per product family (``moodle``, ``canvas``, anything else),
    and the services the LMS did not grant (unknown for manually added platforms)."""

    product_family: str
    status: str
    missing_scopes: tuple[str, ...] = ()

    @property
    def missing_labels(self) -> list[str]:
        return [SCOPE_LABELS.get(s, s.rsplit("/", 1)[-1]) for s in self.missing_scopes]

    @property
    def missing_features(self) -> list[str]:
        return [translate(SCOPE_FEATURES[s]) for s in self.missing_scopes if s in SCOPE_FEATURES]


def next_steps(
    product_family: str | None, granted_scopes: Iterable[str] | None, status: str
) -> NextSteps:
    """``granted_scopes`` None: not known (the platform was added by hand)."""
    granted = None if granted_scopes is None else set(granted_scopes)
    return NextSteps(
        product_family=(product_family or "other").lower(),
        status=status,
        missing_scopes=() if granted is None else tuple(s for s in TOOL_SCOPES if s not in granted),
    )


def platform_next_steps(platform: Platform) -> NextSteps:
    granted = platform.granted_scopes if platform.registered_by == "dynamic" else None
    return next_steps(platform.product_family, granted, platform.status)


# Tables a platform's removal reaches, in an admin's words: (one, several). Others are named
# as they are.
REMOVAL_WORDS = {
    "deployments": (N_("deployment id"), N_("deployment ids")),
    "courses": (N_("course"), N_("courses")),
    "memberships": (N_("course membership"), N_("course memberships")),
    "roster_syncs": (N_("roster sync record"), N_("roster sync records")),
    "resource_links": (N_("activity link"), N_("activity links")),
    "launch_sessions": (
        N_("launch (its user is signed out)"),
        N_("launches (their users are signed out)"),
    ),
    "launch_states": (N_("unfinished login"), N_("unfinished logins")),
    "programs": (N_("program"), N_("programs")),
    "profiles": (N_("participant profile"), N_("participant profiles")),
    "profile_skills": (N_("profile skill"), N_("profile skills")),
    "skills": (N_("skill"), N_("skills")),
    "pairs": (N_("pair"), N_("pairs")),
    "pair_vetoes": (N_("pairing veto"), N_("pairing vetoes")),
    "do_not_pairs": (N_("do-not-pair rule"), N_("do-not-pair rules")),
    "matching_runs": (N_("matching run"), N_("matching runs")),
}


def removal_lines(summary: dict[str, int]) -> list[tuple[int, str]]:
    """(count, what) for the removal confirmation, in the order of ``REMOVAL_WORDS``."""
    order = list(REMOVAL_WORDS)
    names = sorted(summary, key=lambda n: (order.index(n) if n in order else len(order), n))
    lines = []
    for name in names:
        one, several = REMOVAL_WORDS.get(name, (name.replace("_", " "),) * 2)
        lines.append((summary[name], translate(one if summary[name] == 1 else several)))
    return lines
