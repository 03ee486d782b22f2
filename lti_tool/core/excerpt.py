"""A remote answer (a bare string, or a whole HTML error page) as one short line of plain
text for a sentence on a page.

An LMS's HTML error page is mostly navigation, scripts and styles; its message sits in an
error box (Moodle: ``<p class="errormessage">`` inside ``div.errorbox``), an alert, or the
``<title>``. The excerpt is that message when there is one, else the page's text; tags and
script/style contents are dropped and entities decoded once — the template escapes it.
"""

from __future__ import annotations

from html.parser import HTMLParser

_SKIPPED = frozenset(("script", "style", "template", "noscript", "svg", "button"))
_VOID = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    )
)
# Class names (or roles) that hold an error page's message, most specific first.
_MESSAGE_MARKS = ("errormessage", "errorbox", "alert-danger", "alert", "error")
_PAGE_CHARS = 400
# Moodle's error pages carry tens of kilobytes of inline configuration before the message.
_MAX_CHARS = 256 * 1024


class _PageText(HTMLParser):
    """Collects the visible text, the title, and the text of elements marked as messages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.title: list[str] = []
        self.marked: dict[str, list[str]] = {mark: [] for mark in _MESSAGE_MARKS}
        self._stack: list[tuple[str, str | None]] = []  # (tag, mark) of open elements
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
            return
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            return
        values = dict(attrs)
        tokens = set((values.get("class") or "").split()) | {values.get("role") or ""}
        mark = next((m for m in _MESSAGE_MARKS if m in tokens), None)
        self._stack.append((tag, mark))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED and tag not in _VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
            return
        if tag == "title":
            self._in_title = False
        # Close the nearest open element of this name (and any left unclosed inside it).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._in_title:
            self.title.append(data)
            return
        self.words.append(data)
        for mark in {mark for _, mark in self._stack if mark}:
            self.marked[mark].append(data)


def _line(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def remote_excerpt(text: str, limit: int = 160) -> str:
    """The message of a remote answer as a short line of plain text (see the module)."""
    parser = _PageText()
    try:
        parser.feed(text[:_MAX_CHARS])
        parser.close()
    except Exception:  # a page too broken to parse: show none of it
        return "no reason given"
    message = next((line for mark in _MESSAGE_MARKS if (line := _line(parser.marked[mark]))), "")
    page, title = _line(parser.words), _line(parser.title)
    # A long page without an error box: its title says more than its navigation.
    words = message or (title if title and len(page) > _PAGE_CHARS else page or title)
    if len(words) > limit:
        return words[:limit].rstrip() + "…"
    return words or "no reason given"
