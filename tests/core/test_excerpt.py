"""Remote answers shown on pages: the message of an LMS's error page, never the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.core.excerpt import remote_excerpt

MOODLE_ERROR_PAGE = (Path(__file__).parents[1] / "fixtures" / "moodle_error_page.html").read_text()


def test_moodle_error_page_gives_its_error_box_message() -> None:
    """Moodle 4.5's full HTML error page (scripts, styles, navigation, a notification with
    ``&times;``) comes down to the text of its error box."""
    assert remote_excerpt(MOODLE_ERROR_PAGE) == "Exception - Expired token"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # Moodle's bare-string refusals stay as they are.
        ("missing required attribute jwks_uri", "missing required attribute jwks_uri"),
        ("token_already_used", "token_already_used"),
        # No error box: a short page's text (title or heading included)...
        (
            "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>",
            "Not Found",
        ),
        # ...a long page without one: its title.
        (
            "<html><head><title>Invalid request</title></head><body>"
            + "<p>menu item</p>" * 100
            + "</body></html>",
            "Invalid request",
        ),
        # An alert role when there is no Moodle error box.
        (
            "<body><nav>Home Courses</nav><div role=alert>Registration &quot;closed&quot;</div></body>",
            'Registration "closed"',
        ),
        ("   ", "no reason given"),
    ],
)
def test_excerpt_of_remote_answers(page: str, expected: str) -> None:
    assert remote_excerpt(page) == expected


def test_remote_excerpt_is_short_plain_text() -> None:
    page = (
        "<html><head><style>body{color:red}</style><script>alert('x')</script></head>"
        "<body><h1>Invalid token</h1><p>Fish &amp;lt;chips&amp;gt; &eacute;t&eacute;</p>"
        "<!-- hidden --><script>document.cookie</script>" + "word " * 500 + "</body>"
    )
    excerpt = remote_excerpt(page)
    assert excerpt.startswith("Invalid token Fish &lt;chips&gt; été word")
    assert "alert" not in excerpt and "color" not in excerpt and "cookie" not in excerpt
    assert "hidden" not in excerpt
    assert len(excerpt) <= 161 and excerpt.endswith("…")
