"""The LTI Advantage scopes the tool asks for."""

from __future__ import annotations

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_READ = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_LINEITEM = AGS + "lineitem"
AGS_LINEITEM_READ = AGS + "lineitem.readonly"
AGS_RESULT_READ = AGS + "result.readonly"
AGS_SCORE = AGS + "score"

TOOL_SCOPES = (AGS_LINEITEM, AGS_LINEITEM_READ, AGS_RESULT_READ, AGS_SCORE, NRPS_READ)

SCOPE_LABELS = {
    AGS_LINEITEM: "Gradebook columns",
    AGS_LINEITEM_READ: "Gradebook columns (read)",
    AGS_RESULT_READ: "Results (read)",
    AGS_SCORE: "Scores",
    NRPS_READ: "Roster",
}


def scope_labels(scopes: list[str]) -> list[str]:
    """Short names admins recognise, in the order of TOOL_SCOPES, then anything else."""
    known = [SCOPE_LABELS[s] for s in SCOPE_LABELS if s in scopes]
    return known + [s.rsplit("/", 1)[-1] for s in scopes if s not in SCOPE_LABELS]
