"""Events of the data-rights domain other parts react to, connected in ``create_app``."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

person_erased = _signals.signal(
    "privacy.person-erased",
    doc="Sent with (person_id, partner_ids=[…], course_ids=[…]) inside the erasure's "
    "transaction, after the person's data is gone: e.g. to tell each partner by email that "
    "their partner left. A receiver must not need the erased person's name or email.",
)
