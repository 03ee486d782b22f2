"""Lenient parsing of HTTP ``Link`` headers.

Moodle's AGS paging links are malformed: ``&amp;`` inside URLs and typographic quotes
(``rel=“next”``). Header names are case-insensitive; URLs keep their case.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^,<]*)*)")
_REL = re.compile(r"""rel\s*=\s*["'“”‘’]?([^"'“”‘’;,]+)["'“”‘’]?""", re.IGNORECASE)


def parse_links(headers: Mapping[str, str]) -> dict[str, str]:
    """``rel`` → URL for every link in the response's Link header(s)."""
    raw = next((v for k, v in headers.items() if k.lower() == "link"), None)
    links: dict[str, str] = {}
    if not raw:
        return links
    for match in _LINK.finditer(raw):
        url = html.unescape(match.group(1).strip())
        rel = _REL.search(match.group(2) or "")
        if url and rel:
            for name in rel.group(1).split():
                links.setdefault(name.lower(), url)
    return links
