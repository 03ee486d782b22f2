"""The whole app (tool + demo LMS) served over real HTTP on an ephemeral loopback port.

The tool answers on ``http://127.0.0.1:<port>`` and the demo LMS on ``http://localhost:<port>``:
two different sites, as an LMS and a tool are in real life.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from lti_tool.core.logs import clean


@dataclass
class LiveServer:
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def tool_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def lms_url(self) -> str:
        return f"http://localhost:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Logs requests without their query strings, where Dynamic Registration carries its
    registration token, and with launch ids masked (as gunicorn's access log does in
    production)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = clean(self.path.split("?", 1)[0])
        self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version, code, size)


def start_live_server(app: Flask) -> LiveServer:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=PathOnlyRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    return LiveServer(app=app, server=server, thread=thread)
