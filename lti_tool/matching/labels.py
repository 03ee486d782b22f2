"""The choices and labels the matching pages show, shared by form validation and presenters.

Plain data, so ``forms`` (what a submitted value may be) and the presenters (``review``,
``partners``: what a stored value reads as) use one list and cannot disagree.
Captions are marked with ``N_`` and translated where they are shown (``| translated`` on a
page, ``gettext`` in a presenter): the stored values stay English.
"""

from __future__ import annotations

from lti_tool.core.i18n import N_
from lti_tool.matching.models import SenioritySource

LENGTHS = {n: f"{n} months" for n in range(3, 13)}
CADENCES = {
    "weekly": N_("Weekly"),
    "fortnightly": N_("Every two weeks"),
    "monthly": N_("Monthly"),
}
# The cadence inside a sentence: "… · 6 months · meetings every two weeks".
CADENCE_PHRASES = {
    "weekly": N_("weekly meetings"),
    "fortnightly": N_("meetings every two weeks"),
    "monthly": N_("monthly meetings"),
}
SENIORITY_UNITS = {"levels": N_("Career levels"), "years": N_("Years of experience")}
SENIORITY_SOURCES = {
    SenioritySource.PROFILE.value: N_("Each learner's own answer in the intake profile"),
    SenioritySource.CSV.value: N_("A CSV file I import"),
    SenioritySource.CLAIM.value: N_("LTI custom claims sent by the LMS at each launch"),
}
OBJECTIVES = {
    "total": N_("Best total: the most compatible pairs overall"),
    "maximin": N_("Favour the worst-off pair: make the weakest pair as good as possible"),
}
WEIGHT_LABELS = {
    "mentor_offers": N_("Mentor offers what the mentee wants"),
    "mentee_offers": N_("Mentee offers what the mentor wants"),
    "shared_interests": N_("Shared interests"),
    "shared_goals": N_("Shared learning goals"),
    "language": N_("Languages in common"),
    "timezone": N_("Close time zones"),
    "cross_department": N_("Partners from different departments"),
}
SKILL_KINDS = {
    "digital": N_("Digital topics juniors bring"),
    "business": N_("Business topics seniors give back"),
}
CAREER_LEVELS = {
    1: N_("1 — Entry level (graduate, apprentice)"),
    2: N_("2 — Junior professional"),
    3: N_("3 — Experienced professional"),
    4: N_("4 — Senior professional or manager"),
    5: N_("5 — Director or head of function"),
    6: N_("6 — Executive (vice-president, C-level)"),
}
LEARNING_GOALS = (
    N_("Build confidence with digital tools"),
    N_("Understand another generation's perspective"),
    N_("Grow my network across the organisation"),
    N_("Develop leadership skills"),
    N_("Gain visibility with senior leaders"),
    N_("Understand the business strategy"),
    N_("Champion diversity and inclusion"),
    N_("Progress in my career"),
)
LANGUAGES = (
    N_("English"),
    N_("French"),
    N_("German"),
    N_("Spanish"),
    N_("Portuguese"),
    N_("Italian"),
    N_("Dutch"),
    N_("Polish"),
    N_("Swedish"),
    N_("Arabic"),
    N_("Hindi"),
    N_("Mandarin Chinese"),
    N_("Japanese"),
    N_("Korean"),
    N_("Turkish"),
)
AVAILABILITY = {
    "mornings": N_("Weekday mornings"),
    "lunchtime": N_("Lunchtime"),
    "afternoons": N_("Weekday afternoons"),
    "evenings": N_("Evenings"),
}
OPENNESS = {
    "yes": N_("Yes, someone from another department is welcome"),
    "no": N_("I would rather be paired within my department"),
}
