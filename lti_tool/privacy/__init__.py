"""Data rights and the audit log's pages: what the tool holds about a person, and its limits.

- ``export.py``: everything about one person as JSON (``export_person``);
- ``erase.py``: erase a person (``erase_person``): identity and their free text removed, pairs
  and counts kept without identity, their partner told (the ``person_erased`` signal of
  ``signals.py`` for other receivers, e.g. a mail outbox);
- ``mentions.py``: find (and blank out) a person's name, email or LMS user id anywhere in
  the tool's tables, read from the schema itself so new tables are covered;
- ``retention.py`` and ``tasks.py``: programs closed more than ``RETENTION_MONTHS`` ago are
  anonymised by a scheduled job;
- ``audit_log.py`` and ``views.py``: the audit log for a course's designers
  (``/s/<launch>/audit``) and for the admin (``/admin/audit``), and the admin's people page
  (``/admin/people``); ``cli.py``: ``flask people export|erase``.

It sits at the top of the layers (beside ``home`` and ``ops``): it reads every domain.
"""
