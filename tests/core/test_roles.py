from __future__ import annotations

import pytest

from lti_tool.core.roles import Audience, audience_for, is_lms_admin, short_role_names

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "audience"),
    [
        ([LIS + "membership#Instructor"], Audience.DESIGNER),
        ([LIS + "membership#ContentDeveloper"], Audience.DESIGNER),
        ([LIS + "membership#Administrator"], Audience.DESIGNER),
        ([LIS + "institution/person#Administrator"], Audience.DESIGNER),
        (["Instructor"], Audience.DESIGNER),
        (["ContentDeveloper"], Audience.DESIGNER),
        ([LIS + "membership#Learner", LIS + "membership#Instructor"], Audience.DESIGNER),
        ([LIS + "membership#Learner"], Audience.LEARNER),
        (["Learner"], Audience.LEARNER),
        (["http://example.com/roles#Astronaut"], Audience.LEARNER),
        ([], Audience.LEARNER),
        ([LIS + "membership/Instructor#TeachingAssistant"], Audience.LEARNER),
    ],
)
def test_audience_for_roles(roles: list[str], audience: Audience) -> None:
    assert audience_for(roles) == audience


def test_lms_admin_roles() -> None:
    assert is_lms_admin([LIS + "system/person#Administrator"])
    assert not is_lms_admin([LIS + "membership#Administrator"])


def test_short_role_names() -> None:
    assert short_role_names(
        [LIS + "membership#Instructor", "Learner", LIS + "membership#Instructor"]
    ) == ["Instructor", "Learner"]
