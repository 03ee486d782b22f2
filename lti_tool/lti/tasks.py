"""LTI jobs: expired launch states and launch sessions are deleted on a schedule."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from lti_tool.core.time import utcnow
from lti_tool.jobs import periodic_job
from lti_tool.lti.login import purge_expired

log = logging.getLogger(__name__)


@periodic_job(lambda config: crontab(minute="*/15"))
def purge_expired_launches() -> None:
    """Delete OIDC states past their lifetime and launch sessions past their expiry."""
    states, sessions = purge_expired(utcnow(), current_app.config["LAUNCH_STATE_TTL_SECONDS"])
    if states or sessions:
        log.info("Purged %d expired launch state(s) and %d launch session(s)", states, sessions)
