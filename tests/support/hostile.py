"""Hostile or broken 'LMS' servers at the HTTP boundary, on loopback ports.

``HostileServer`` answers each request with what a test's function returns and records the
requests it got; ``HangingHost`` accepts connections and never answers; ``DrippingHost``
sends headers and then one byte at a time, forever.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False


class HostileServer:
    def __init__(
        self, answer: Callable[[Seen, HostileServer], Answer], host: str = "127.0.0.1"
    ) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    dict(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                )
                outer.seen.append(seen)
                reply = outer.answer(seen, outer)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(body), 65536):
                        piece = body[start : start + 65536]
                        try:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        except OSError:
                            return
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    try:
                        self.wfile.write(body)
                    except OSError:
                        return

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host = host
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HangingHost:
    """A socket that accepts connections and never sends a byte."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.listener = socket.create_server((host, 0), backlog=64)
        self.host = host
        self.accepted: list[socket.socket] = []
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(conn)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.listener.getsockname()[1]}"

    def wait_for_connections(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.accepted)} of {count} connections came")
            time.sleep(0.02)

    def stop(self) -> None:
        self._stopped.set()
        for conn in self.accepted:
            conn.close()
        self.listener.close()


class DrippingHost(HangingHost):
    """Answers 200 with a huge Content-Length, then one byte every ``interval`` seconds."""

    def __init__(self, interval: float = 0.3, host: str = "127.0.0.1") -> None:
        self.interval = interval
        super().__init__(host)

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(conn)
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n"
            )
            while not self._stopped.is_set():
                conn.sendall(b" ")
                time.sleep(self.interval)
        except OSError:
            return
