"""How much of a server an anonymous ``/lti/register`` request may hold.

Each registration calls the LMS it is pointed at, which anyone can choose. So its calls get
short timeouts and one deadline (``REGISTRATION_*_SECONDS``), and only
``REGISTRATION_MAX_CONCURRENT`` registrations run at once in a process: the next one gets a
503 at once instead of a web-server thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from lti_tool.core.http import outbound_budget
from lti_tool.errors import ReciprocalError


class RegistrationBusy(ReciprocalError):
    status_code = 503
    title = "The tool is busy with other registrations"
    hint = "Try again in a minute."
    retry_after = 60


_lock = threading.Lock()
_running = 0


@contextmanager
def registration_slot(limit: int) -> Iterator[None]:
    """Hold one of ``limit`` registration slots of this process.

    :raise RegistrationBusy: every slot is taken.
    """
    global _running
    with _lock:
        if _running >= limit:
            raise RegistrationBusy("Other registrations with this tool are in progress right now.")
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1


@contextmanager
def registration_guard(config: Mapping[str, Any]) -> Iterator[None]:
    """A registration slot, and the time budget for the registration's calls to the LMS."""
    with (
        registration_slot(int(config["REGISTRATION_MAX_CONCURRENT"])),
        outbound_budget(
            connect=float(config["REGISTRATION_CONNECT_TIMEOUT_SECONDS"]),
            read=float(config["REGISTRATION_READ_TIMEOUT_SECONDS"]),
            total=float(config["REGISTRATION_DEADLINE_SECONDS"]),
        ),
    ):
        yield
