"""The choices and labels the matching pages show, shared by form validation and presenters.

Plain data, so ``forms`` (what a submitted value may be) and the presenters (``review``,
``partners``: what a stored value reads as) use one list and cannot disagree.
"""

from __future__ import annotations

from lti_tool.matching.models import SenioritySource

LENGTHS = {n: f"{n} months" for n in range(3, 13)}
CADENCES = {"weekly": "Weekly", "fortnightly": "Every two weeks", "monthly": "Monthly"}
# The cadence inside a sentence: "… · 6 months · meetings every two weeks".
CADENCE_PHRASES = {
    "weekly": "weekly meetings",
    "fortnightly": "meetings every two weeks",
    "monthly": "monthly meetings",
}
SENIORITY_UNITS = {"levels": "Career levels", "years": "Years of experience"}
SENIORITY_SOURCES = {
    SenioritySource.PROFILE.value: "Each learner's own answer in the intake profile",
    SenioritySource.CSV.value: "A CSV file I import",
    SenioritySource.CLAIM.value: "LTI custom claims sent by the LMS at each launch",
}
OBJECTIVES = {
    "total": "Best total: the most compatible pairs overall",
    "maximin": "Favour the worst-off pair: make the weakest pair as good as possible",
}
WEIGHT_LABELS = {
    "mentor_offers": "Mentor offers what the mentee wants",
    "mentee_offers": "Mentee offers what the mentor wants",
    "shared_interests": "Shared interests",
    "shared_goals": "Shared learning goals",
    "language": "Languages in common",
    "timezone": "Close time zones",
    "cross_department": "Partners from different departments",
}
SKILL_KINDS = {
    "digital": "Digital topics juniors bring",
    "business": "Business topics seniors give back",
}
CAREER_LEVELS = {
    1: "1 — Entry level (graduate, apprentice)",
    2: "2 — Junior professional",
    3: "3 — Experienced professional",
    4: "4 — Senior professional or manager",
    5: "5 — Director or head of function",
    6: "6 — Executive (vice-president, C-level)",
}
LEARNING_GOALS = (
    "Build confidence with digital tools",
    "Understand another generation's perspective",
    "Grow my network across the organisation",
    "Develop leadership skills",
    "Gain visibility with senior leaders",
    "Understand the business strategy",
    "Champion diversity and inclusion",
    "Progress in my career",
)
LANGUAGES = (
    "English",
    "French",
    "German",
    "Spanish",
    "Portuguese",
    "Italian",
    "Dutch",
    "Polish",
    "Swedish",
    "Arabic",
    "Hindi",
    "Mandarin Chinese",
    "Japanese",
    "Korean",
    "Turkish",
)
AVAILABILITY = {
    "mornings": "Weekday mornings",
    "lunchtime": "Lunchtime",
    "afternoons": "Weekday afternoons",
    "evenings": "Evenings",
}
OPENNESS = {
    "yes": "Yes, someone from another department is welcome",
    "no": "I would rather be paired within my department",
}
