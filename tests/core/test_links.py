from __future__ import annotations

import pytest

from lti_tool.core.links import parse_links


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://lms/x?page=2>; rel="next"', {"next": "https://lms/x?page=2"}),
        (
            "<https://lms/x?a=1&amp;b=2>; rel=“next”, <https://lms/x?a=9&amp;b=2>; rel=“last”",
            {"next": "https://lms/x?a=1&b=2", "last": "https://lms/x?a=9&b=2"},
        ),
        ("<https://LMS/Path?Q=1>; REL=next", {"next": "https://LMS/Path?Q=1"}),
        (
            '<https://lms/m?since=5>; rel="differences", <https://lms/m?p=2>; rel="next"',
            {"differences": "https://lms/m?since=5", "next": "https://lms/m?p=2"},
        ),
        ('<https://lms/a>; rel="first prev"', {"first": "https://lms/a", "prev": "https://lms/a"}),
        ("", {}),
        ("garbage without brackets", {}),
    ],
)
def test_parse_links_is_lenient_with_real_platforms(header: str, expected: dict) -> None:
    assert parse_links({"LiNk": header}) == expected


def test_parse_links_without_header() -> None:
    assert parse_links({"Content-Type": "application/json"}) == {}
