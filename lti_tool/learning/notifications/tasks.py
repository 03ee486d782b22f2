"""Email jobs: send a message just written, send what waits (retries), remind of due steps."""

from __future__ import annotations

from huey import crontab

from lti_tool.jobs import job, periodic_job
from lti_tool.learning.notifications.delivery import deliver, due_ids


@job
def deliver_email(outbox_id: int) -> None:
    """Send one outbox message (sent after the commit that wrote it)."""
    deliver(outbox_id)


@periodic_job(lambda config: crontab(minute="*"))
def send_waiting_email() -> None:
    """Every minute: messages whose retry time has come, and claims that expired."""
    for outbox_id in due_ids():
        deliver(outbox_id)


@periodic_job(lambda config: crontab(minute="7"))
def remind_due_steps() -> None:
    """Every hour: a reminder to each learner of a step due within three days (once each)."""
    # Imported here: reminders writes through outbox, which enqueues this module's job.
    from lti_tool.learning.notifications.reminders import queue_due_reminders

    queue_due_reminders()
