"""Matching events other domains react to (email notifications), without matching importing
them. Each is sent inside the transaction of the change; receivers write in the same session
and never commit. ``create_app`` connects the receivers (``connect_signal_receivers``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

pairs_published = _signals.signal(
    "matching.pairs-published",
    doc="Sent with (program_id, pair_ids=[…]) when a designer publishes pairs: the partners "
    "of those pairs see each other from now on.",
)

pair_ended = _signals.signal(
    "matching.pair-ended",
    doc="Sent with (pair_id, reason=…, rematch=bool) when a designer ends an active pair.",
)

meeting_time_proposed = _signals.signal(
    "matching.meeting-time-proposed",
    doc="Sent with (proposal_id) when a partner proposes a meeting time to the other.",
)
