"""Which form controls of a page a screen reader could not name: no ``<label for>``, no
wrapping ``<label>``, no ``aria-label``/``aria-labelledby``."""

from __future__ import annotations

from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self._in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "label":
            self._in_label += 1
            if values.get("for"):
                self.label_for.add(values["for"])
        elif tag in ("input", "select", "textarea"):
            if values.get("type", "text") in UNLABELLED_TYPES or "hidden" in values:
                return
            self.controls.append({"tag": tag, "wrapped": "yes" if self._in_label else "", **values})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._in_label:
            self._in_label -= 1


def unlabelled_controls(html: str) -> list[str]:
    """Each control nobody named, as ``tag name=… id=…``; empty when all are labelled."""
    page = _Controls()
    page.feed(html)
    return [
        f"{c['tag']} name={c.get('name')} id={c.get('id')}"
        for c in page.controls
        if not (
            c["wrapped"]
            or c.get("aria-label")
            or c.get("aria-labelledby")
            or c.get("id") in page.label_for
        )
    ]


def form_controls(html: str) -> int:
    page = _Controls()
    page.feed(html)
    return len(page.controls)
