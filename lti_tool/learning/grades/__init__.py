"""Completion grades in the LMS gradebook, durably and exactly once.

- ``outbox.queue_completion_grades`` — called by ``completing.record_completion`` in the
  completion's transaction: one ``GradeSend`` row per (course, column, person), newest value
  wins; ``outbox.send_again`` for failed rows.
- ``draining.drain`` (jobs in ``tasks``: ``drain_grades`` after commit and every minute) —
  claims (``claims``) and keeps the senders busy; ``sending.send_one`` sends, decides on
  retries, checks what may have landed.
- ``line_items.ensure_line_item`` / ``ensure_path_line_item`` — the columns, once each;
  ``pushing.push_columns`` for the designer's "Push to course".
- ``reconcile.reconcile_path`` / ``reconcile_all`` — read the LMS's results, send again what
  differs.
- ``status.grade_recorded`` / ``grades_recorded`` — for the learner's step page.
- ``views`` — the designer's gradebook page of a program.
"""
