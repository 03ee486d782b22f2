"""The retention job: once a day, anonymise programs closed more than RETENTION_MONTHS ago."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from lti_tool.jobs import periodic_job
from lti_tool.privacy.retention import apply_retention

log = logging.getLogger(__name__)


@periodic_job(lambda config: crontab(minute="17", hour="3"))
def apply_retention_job() -> None:
    """Anonymise the programs past retention (one unit of work: all or nothing)."""
    done = apply_retention(current_app.config["RETENTION_MONTHS"])
    if done:
        log.info("Retention: anonymised %d closed program(s)", len(done))
