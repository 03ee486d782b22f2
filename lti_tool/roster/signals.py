"""Roster events other domains react to, without roster importing them.

``members_left`` is sent by a roster sync, inside its transaction, when members stop being
Active in a course (Inactive, Deleted, or gone from the platform's full list). Receivers are
connected in ``create_app`` (``connect_signal_receivers``), never by importing a module::

    def flag_pairs(course_id: int, *, person_ids: list[int], **_: object) -> None:
        ...  # write in the same session; never commit — the sync commits once

    members_left.connect(flag_pairs)

A receiver that raises makes the sync fail and apply nothing.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

launch_established = _signals.signal(
    "roster.launch-established",
    doc="Sent with (course_id, person_id=…, roles=[…], message_type=…, custom={…}) inside "
    "the launch's transaction, when a launch from a course is recorded.",
)

members_left = _signals.signal(
    "roster.members-left",
    doc="Sent with (course_id, person_ids=[…]) when members leave a course.",
)
