"""The LTI Advantage scopes the tool asks for."""

from __future__ import annotations

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS_READ = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_LINEITEM = AGS + "lineitem"
AGS_LINEITEM_READ = AGS + "lineitem.readonly"
AGS_RESULT_READ = AGS + "result.readonly"
AGS_SCORE = AGS + "score"

TOOL_SCOPES = (AGS_LINEITEM, AGS_LINEITEM_READ, AGS_RESULT_READ, AGS_SCORE, NRPS_READ)
