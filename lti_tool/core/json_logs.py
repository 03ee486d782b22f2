"""``LOG_FORMAT=json``: one JSON object per log line, for log shippers.

Fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` (the
request the line was logged in, or null) and ``exception`` (a traceback) when there is one.
The message was already cleaned by the log-safety record factory (core/logs.py: no launch
id, token or control character from a request); ``json.dumps`` with ASCII output then escapes
whatever is left, so a line of the output is always exactly one record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


def configure_logging(level: str, log_format: str) -> None:
    """The root logger's level and format (``text`` or ``json``), unless the process set up
    the root logger already (pytest does). gunicorn's own logs: core/gunicorn_logging.py.

    :raise RuntimeError: a ``LOG_FORMAT`` that is neither.
    """
    if log_format not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT={log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level, handlers=[handler])
    else:
        logging.basicConfig(level=level, format=TEXT_FORMAT)
