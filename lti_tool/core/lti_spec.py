"""LTI vocabulary, defined once: claim URIs, scopes, role URIs, media types, registration keys.

A leaf on the ground floor: it imports nothing, so every layer may read it — platforms (scope
labels on the admin page), roster (NRPS claim and media type, LIS roles), lti (launch claims,
deep linking, registration), matching (custom claims) and learning (AGS scopes and media
types). Kept in ``core`` rather than ``lti`` so that reading a claim name never makes a domain
depend on the launch code.
"""

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


# -- Claims (LTI 1.3 core, NRPS, AGS, deep linking) ----------------------------------------
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
CUSTOM_CLAIM = CLAIM + "custom"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
DL_CLAIM = DL + "deep_linking_settings"
DL_CONTENT_ITEMS = DL + "content_items"
DL_MSG = DL + "msg"
DL_DATA = DL + "data"

# -- Roles: LIS vocabulary (``LIS + "membership#Instructor"``) --------------------------------
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

# -- Media types of the service calls -------------------------------------------------------
MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER_MEDIA = "application/vnd.ims.lis.v2.resultcontainer+json"

# -- Dynamic registration documents ---------------------------------------------------------
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"
