"""The transaction boundary: one unit of work per request, job and command.

Views, jobs and commands never ``commit()``; the boundary around them does, once, at the end
(as Indico's ``RH.process``):

- a **request** (``App``, the Flask class of the tool and of the demo LMS) commits when its
  response is a success (status < 400) and rolls back on any exception or error response;
- a **job** (``jobs.queue``) and a **command** (``CommandGroup``) commit when they return and
  roll back when they raise (a command's ``ClickException`` and ``SystemExit`` included).

What the session parks until the commit (queued jobs, ``jobs.after_commit``) is sent only
after a successful commit and dropped by a rollback. A commit that fails is rolled back and
becomes ``errors.database_error``: 409 for a conflict (IntegrityError), 503 for a database
that is down or busy — with nothing applied and nothing sent.

Three deliberate exceptions, each declared where it happens:

- ``keep_work()``: this unit's work stands even though it ends in a refusal (the launch
  keeps the pending deployment and the fresh JWKS its refusal taught it);
- ``separate_unit()``: a short unit of its own, committed at once whatever the surrounding
  unit does (a long job's progress, so its page can show it while the job runs);
- ``discard()``: throw away the work so far and go on (a refusal page drawn from what is
  stored; a failed job that then records its failure).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, Response, current_app, g
from flask.cli import AppGroup

from lti_tool.errors import ReciprocalError, database_error
from lti_tool.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
_UNIT = "reciprocal_unit_of_work"


@dataclass
class Unit:
    """The unit of work of the current app context."""

    keep_on_error: bool = False


def current_unit() -> Unit | None:
    return g.get(_UNIT)


def _begin() -> Unit:
    if current_unit() is not None:
        raise RuntimeError(
            "A unit of work is already open in this app context; use "
            "separate_unit() for one of its own."
        )
    unit = Unit()
    setattr(g, _UNIT, unit)
    return unit


def _end() -> None:
    g.pop(_UNIT, None)


def _commit() -> None:
    """Commit the session; on failure roll back and raise ``errors.database_error``.

    :raise ReciprocalError: 409 (a conflict) or 503 (the database is down or busy).
    """
    try:
        db.session.commit()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise database_error(exc) from exc


def _rollback() -> None:
    db.session.rollback()


@contextmanager
def unit_of_work() -> Iterator[Unit]:
    """Run the block as one unit: commit at the end, roll back if it raises.

    An expected refusal (a ``ReciprocalError``) after ``keep_work()`` commits before it is
    raised on; anything else that raises rolls back.

    :raise ReciprocalError: the commit failed (see ``errors.database_error``).
    """
    unit = _begin()
    try:
        yield unit
    except BaseException as exc:
        if unit.keep_on_error and isinstance(exc, ReciprocalError):
            _commit()
        else:
            _rollback()
        raise
    else:
        _commit()
    finally:
        _end()


def keep_work() -> None:
    """Declare that the current unit's work so far stands even though the unit ends in a
    refusal (an error response or a ``ReciprocalError``): it is committed, not rolled back.
    An unexpected exception (a 500) still rolls back."""
    unit = current_unit()
    if unit is None:
        raise RuntimeError("keep_work() outside a unit of work")
    unit.keep_on_error = True


def discard() -> None:
    """Throw away the current unit's work so far (and the jobs it parked); the unit goes on,
    and what it does next is committed or rolled back at its end as usual.

    For a view that answers a refusal with a page drawn from what is stored, and for a job
    that failed and records its failure afterwards.
    """
    _rollback()


@contextmanager
def separate_unit() -> Iterator[None]:
    """A short unit of work of its own, committed when the block ends whatever the
    surrounding unit then does: a fresh app context, so ``db.session`` inside is another
    session on another connection. Load rows by id inside; objects of the surrounding unit
    belong to its session.

    Only while the surrounding unit has not written the same rows (on SQLite: has not
    written at all) — otherwise the separate unit would wait for a lock its own caller holds.

    :raise RuntimeError: the surrounding unit holds SQLite's writer lock.
    """
    if _holds_sqlite_writer_lock():
        raise RuntimeError(
            "separate_unit() would wait forever: this unit has already written "
            "to SQLite and holds the writer lock. Write the separate unit first."
        )
    with current_app.app_context(), unit_of_work():
        yield


def holds_sqlite_writer_lock() -> bool:
    """This app context's session has written to SQLite and holds the writer lock: another
    connection of this process that writes now would wait for it forever."""
    return _holds_sqlite_writer_lock()


def _holds_sqlite_writer_lock() -> bool:
    session = db.session()
    if not session.in_transaction():
        return False
    connection = session.connection().connection.dbapi_connection
    return bool(getattr(connection, "_holding", False))


class App(Flask):
    """A Flask app whose every request is one unit of work.

    The commit comes after the response is complete (view, error handler, after-request
    functions) and before it is sent; a commit that fails replaces it with the error page
    of ``errors.database_error`` (409 or 503), built by the app's own error handlers.
    """

    def full_dispatch_request(self) -> Response:
        unit = _begin()
        try:
            response = super().full_dispatch_request()
            status = response.status_code
            if status < 400 or (unit.keep_on_error and status < 500):
                try:
                    _commit()
                except ReciprocalError as error:
                    return self.finalize_request(
                        self.handle_user_exception(error), from_error_handler=True
                    )
            else:
                _rollback()
            return response
        except BaseException:
            _rollback()
            raise
        finally:
            _end()


def in_unit_of_work(func: F) -> F:
    """``func`` run as one unit of work (in the current app context)."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work():
            return func(*args, **kwargs)

    return run  # type: ignore[return-value]


class CommandGroup(AppGroup):
    """A ``flask`` command group whose commands each run as one unit of work: committed when
    the command returns, rolled back when it fails."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().command(*args, **kwargs)  # wraps in with_appcontext, outside
        return lambda func: register(in_unit_of_work(func))
