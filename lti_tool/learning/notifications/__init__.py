"""Email notifications: what waits for a learner, told by email through the configured SMTP
server (off when ``SMTP_HOST`` is empty).

**Events** (``events``): pairs published and a pair ended (``matching.signals``, connected in
``create_app``), an agreement waiting for your signature (``agreements.sign_agreement``), a
meeting waiting for your confirmation (``meetings.log_meeting``), a meeting time your partner
proposed (with its ``.ics``), and a step due in three days (``reminders``, a periodic job).

**Outbox** (``outbox.queue_email``): each message is an ``OutboxEmail`` row written in the same
transaction as its event, unique per event (``dedupe_key``), skipped when the person turned
email off (``Membership.is_notified_by_email``) or has no address. ``delivery.deliver`` claims
one row, sends it, and records the outcome; a server that is down or answers 4xx leaves the
row waiting with exponential backoff (``tasks.send_waiting_email`` every minute).
"""
