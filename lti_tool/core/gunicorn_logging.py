"""gunicorn's logger for the tool (``logger_class`` in config/gunicorn.conf.py).

The access log shows each request's path with its launch id masked (``/s/…/home``) and every
value from the request escaped onto one line; the error log gets the same cleaning as the
app's own records (lti_tool.core.logs). With ``LOG_FORMAT=json`` both are JSON lines
(core/json_logs.py), like the app's.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from lti_tool.core.json_logs import JsonFormatter
from lti_tool.core.logs import clean, install_log_safety


class SafeLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        install_log_safety()
        if os.environ.get("LOG_FORMAT", "text") == "json":
            for handler in self.error_log.handlers + self.access_log.handlers:
                handler.setFormatter(JsonFormatter())

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: clean(value) if isinstance(value, str) else value for name, value in atoms.items()
        }
