"""Log records that cannot leak credentials or be forged from a request.

``install_log_safety`` (called by ``create_app`` and by gunicorn's logger class) replaces the
log-record factory of the process, so every record of every logger — the tool's, Werkzeug's,
gunicorn's, a library's — is cleaned once, when it is made, before any handler sees it:

- launch ids (``/s/<launch_id>/…``, ``?launch=``: 8-hour bearer credentials) are masked; JWTs,
  ``Bearer`` tokens and token/secret/password query parameters become ``[redacted]``;
- control characters (newlines, CR, ANSI escapes, the other C0 and C1 controls, Unicode line
  separators) are escaped as ``\\n``, ``\\x1b``…, so text from a request cannot start a forged
  log line. A traceback keeps its own lines; only the exception messages in it are escaped.

Each record also gets ``request_id``: the id of the request it was made in (None outside one),
which JSON logs (core/json_logs.py) and the error pages show.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any

from lti_tool.core.request_id import current_request_id

LAUNCH_ID_MASK = "/s/…/"
_LAUNCH_ID = re.compile(r"/s/[^/?#\s\"'<>]+")
_JWT = re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_BEARER = re.compile(r"\b(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"([?&;](?:[\w.-]*token|[\w.-]*secret|password|client_assertion|code|launch|invite)=)[^&\s\"'#]+",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
# The fixed lines between chained exceptions in a traceback.
_CHAIN_LINES = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)

_installed = False
_install_lock = threading.Lock()


def redact(text: str) -> str:
    """``text`` with launch ids, JWTs, bearer tokens and secret query parameters masked."""
    text = _LAUNCH_ID.sub(LAUNCH_ID_MASK.rstrip("/"), text)
    text = _JWT.sub("[redacted]", text)
    text = _BEARER.sub(r"\1[redacted]", text)
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


def escape_controls(text: str) -> str:
    """``text`` on one line: control characters as visible escapes (tabs are kept)."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def clean(text: str) -> str:
    """What may be logged of ``text``: redacted and on one line."""
    return escape_controls(redact(text))


def format_exception(exc_info: Any) -> str:
    """A traceback whose frames keep their lines and whose exception messages are cleaned."""
    parts = []
    for chunk in traceback.format_exception(*exc_info):
        if chunk.startswith(("Traceback (", "  File ")) or chunk.strip() in _CHAIN_LINES:
            parts.append(redact(chunk))
        else:
            parts.append(clean(chunk.rstrip("\n")) + "\n")
    return "".join(parts).rstrip("\n")


def install_log_safety() -> None:
    """Clean every log record made in this process from now on (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        make_record = logging.getLogRecordFactory()

        def cleaned_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            record.request_id = current_request_id()
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: leave it to the handler to report
                return record
            record.msg, record.args = clean(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = format_exception(record.exc_info)
            return record

        logging.setLogRecordFactory(cleaned_record)
        _installed = True
