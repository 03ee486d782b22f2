"""``flask worker``: run the Huey consumer that executes background jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool.core.transaction import unit_of_work
from lti_tool.jobs.queue import get_huey, requeue_lost_jobs, run_pending_jobs


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Threads running jobs (default HUEY_WORKERS).",
)
@click.option(
    "--burst", is_flag=True, help="Run the jobs already queued, then exit (no periodic jobs)."
)
@with_appcontext
def worker_command(workers: int | None, burst: bool) -> None:
    """Run background jobs (roster syncs, scheduled syncs) from the queue at QUEUE_URL."""
    huey = get_huey()
    if huey.immediate:
        raise click.ClickException(
            "HUEY_IMMEDIATE is on: jobs run where they are sent, there is nothing to consume."
        )
    with unit_of_work():  # what the queue lost while no worker ran goes first
        sent = requeue_lost_jobs()
    if sent:
        click.echo(f"Sent {sent} lost job(s) to the queue again.")
    if burst:
        ran = run_pending_jobs(huey)
        click.echo(f"Ran {ran} job(s).")
        return
    count = workers or current_app.config["HUEY_WORKERS"]
    click.echo(
        f"Worker: {count} thread(s) on {current_app.config['QUEUE_URL']} "
        f"(queue {huey.name!r}); Ctrl+C stops after the running jobs."
    )
    huey.create_consumer(workers=count, worker_type="thread", periodic=True).run()
