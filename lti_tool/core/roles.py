"""LTI roles → what a person may do in the tool.

Platforms send full LIS URIs (``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor``)
and sometimes short names (``Instructor``, Moodle's NRPS). Both are understood.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from lti_tool.core.lti_spec import LIS

DESIGNER_ROLES = frozenset(
    {
        LIS + "membership#Instructor",
        LIS + "membership#ContentDeveloper",
        LIS + "membership#Administrator",
        LIS + "institution/person#Administrator",
        LIS + "system/person#Administrator",
        LIS + "institution/person#Instructor",
        "Instructor",
        "ContentDeveloper",
        "Administrator",
    }
)
LMS_ADMIN_ROLES = frozenset(
    {
        LIS + "institution/person#Administrator",
        LIS + "system/person#Administrator",
        LIS + "system/person#SysAdmin",
    }
)


class Audience(StrEnum):
    DESIGNER = "designer"
    LEARNER = "learner"


def audience_for(roles: Iterable[str]) -> Audience:
    """Designer for Instructor, ContentDeveloper or Administrator; learner otherwise —
    including unknown roles and no role at all."""
    return Audience.DESIGNER if any(r in DESIGNER_ROLES for r in roles) else Audience.LEARNER


def is_lms_admin(roles: Iterable[str]) -> bool:
    return any(r in LMS_ADMIN_ROLES for r in roles)


def short_role_names(roles: Iterable[str]) -> list[str]:
    """``…membership#Instructor`` → ``Instructor``, for display."""
    names = []
    for role in roles:
        name = role.rsplit("#", 1)[-1] if "#" in role else role.rsplit("/", 1)[-1]
        if name and name not in names:
            names.append(name)
    return names
