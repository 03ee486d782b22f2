"""Step content is rendered from Markdown and sanitised."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lti_tool.learning.markdown import render_markdown


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(source: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(str(render_markdown(source)))
    return parser.tags


@pytest.mark.parametrize(
    "source",
    [
        "Hello <script>alert('x')</script>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        "[click](JaVaScRiPt:alert(1))",
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">hi</p>',
        "![x](javascript:alert(1))",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_no_script_no_javascript_link_no_event_handler(source: str) -> None:
    for tag, attrs in tags_of(source):
        assert tag not in {"script", "img", "iframe"}
        assert not [name for name in attrs if name.startswith("on")]
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").lower().startswith("javascript:")


def test_script_text_is_shown_not_run() -> None:
    html = str(render_markdown("Hello <script>alert('x')</script>"))
    assert "<script" not in html and "&lt;script&gt;" in html


def test_markdown_becomes_html_with_safe_links() -> None:
    html = str(
        render_markdown(
            "## Roles\n\n- **Guide**, don't lecture\n\n[Guide](https://example.org/guide)\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<h2>Roles</h2>" in html
    assert "<strong>Guide</strong>" in html
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">' in html
    assert "<table>" in html


def test_empty_content_renders_nothing() -> None:
    assert str(render_markdown(None)) == ""
