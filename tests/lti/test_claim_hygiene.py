"""Text an LMS sends in a signed launch gets the input hygiene of forms (finding 11): a NUL in
a user's name made PostgreSQL refuse the row (a 500), and control characters and bidi
overrides were stored as sent."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Person
from tests.support.launching import Platform, launch_with, put


def test_launch_with_control_characters_in_the_name_is_accepted_cleaned(spec: Platform) -> None:
    launched = launch_with(
        spec,
        put(
            name="Ama\x00ra\u202e Okafor",
            given_name="Ama\x00ra",
            family_name="Oka\x1b[31mfor",
            email="amara\x00@example.org",
        ),
    )
    assert launched.status_code == 303, launched.text[:800]
    launch_id = re.search(r"/s/([^/]+)/", launched.headers["Location"]).group(1)
    with spec.app.app_context():
        person = db.session.scalar(
            sa.select(Person)
            .join(LaunchSession, LaunchSession.person_id == Person.id)
            .where(LaunchSession.id == launch_id)
        )
        assert (person.name, person.given_name, person.family_name, person.email) == (
            "Amara Okafor",
            "Amara",
            "Oka[31mfor",
            "amara@example.org",
        )
