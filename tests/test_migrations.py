"""The schema comes only from migrations, and they agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from lti_tool.extensions import db


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_migrated_schema_has_every_table(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        tables = set(db.inspect(connection).get_table_names())
    assert {
        "platforms",
        "deployments",
        "tool_keys",
        "courses",
        "people",
        "memberships",
        "resource_links",
        "launch_states",
        "launch_sessions",
        "alembic_version",
    } <= tables
