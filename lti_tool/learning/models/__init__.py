"""Path, Step, Completion, AgreementSignature, MeetingLog, Reflection, the survey models and
LineItemLink, ViewerTimeZone, one module per concern; import them from here."""

from __future__ import annotations

from lti_tool.learning.models.agreements import AgreementSignature
from lti_tool.learning.models.completions import Completion
from lti_tool.learning.models.line_items import LineItemLink
from lti_tool.learning.models.meetings import MeetingLog, MeetingStatus
from lti_tool.learning.models.paths import Path
from lti_tool.learning.models.reflections import Reflection
from lti_tool.learning.models.steps import Audience, Step, StepKind
from lti_tool.learning.models.surveys import (
    LIKERT_MAX,
    LIKERT_MIN,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from lti_tool.learning.models.viewer_zones import ViewerTimeZone

__all__ = [
    "LIKERT_MAX",
    "LIKERT_MIN",
    "AgreementSignature",
    "Audience",
    "Completion",
    "LineItemLink",
    "MeetingLog",
    "MeetingStatus",
    "Path",
    "QuestionKind",
    "Reflection",
    "Step",
    "StepKind",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "ViewerTimeZone",
]
