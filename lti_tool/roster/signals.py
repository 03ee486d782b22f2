"""Roster events other domains react to, without roster importing them.

``members_left`` is sent by a roster sync, inside its transaction, when members stop being
Active in a course (Inactive, Deleted, or gone from the platform's full list)::

    from lti_tool.roster.signals import members_left

    @members_left.connect
    def flag_pairs(course_id: int, *, person_ids: list[int]) -> None:
        ...  # write in the same session; never commit — the sync commits once

A receiver that raises makes the sync fail and apply nothing.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

members_left = _signals.signal(
    "roster.members-left",
    doc="Sent with (course_id, person_ids=[…]) when members leave a course.",
)
