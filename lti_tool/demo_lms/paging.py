"""``limit`` / ``from`` paging and ``Link`` headers — including Moodle's malformed ones."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request


@dataclass(frozen=True)
class Page:
    limit: int | None
    offset: int


class BadPageRequest(ValueError):
    """``limit`` or ``from`` is not a non-negative integer."""


def read_page(default_limit: int | None = None, max_limit: int | None = None) -> Page:
    """``limit`` and ``from`` of the current request, capped at ``max_limit``.

    :raise BadPageRequest: when either is not a non-negative integer.
    """
    try:
        limit = int(request.args["limit"]) if request.args.get("limit") else default_limit
        offset = int(request.args.get("from") or 0)
    except ValueError as exc:
        raise BadPageRequest("limit and from must be integers") from exc
    if offset < 0 or (limit is not None and limit < 1):
        raise BadPageRequest("limit must be positive and from not negative")
    if max_limit is not None:
        limit = min(limit or max_limit, max_limit)
    return Page(limit=limit, offset=offset)


def url_with(**changes: str | int | None) -> str:
    """The current request URL with query parameters changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    base = request.base_url
    return f"{base}?{urlencode(args)}" if args else base


def link_header(links: list[tuple[str, str]], *, malformed: bool = False) -> str:
    """A ``Link`` header; ``malformed`` reproduces Moodle: ``&amp;`` in URLs and “quotes”
    sent as raw UTF-8 bytes (a WSGI header is latin-1, so clients see ``â\x80\x9c``)."""
    if malformed:
        value = ", ".join(
            f"<{url.replace('&', '&amp;')}>; rel=\u201c{rel}\u201d" for url, rel in links
        )
        return value.encode("utf-8").decode("latin-1")
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)
