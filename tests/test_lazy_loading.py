"""Relationships never query on their own: what a page shows is loaded by its view."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.extensions import db
from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import list_platforms


def test_no_relationship_loads_lazily(app: Flask) -> None:
    lazy = {
        f"{mapper.class_.__name__}.{rel.key}": rel.lazy
        for mapper in db.Model.registry.mappers
        for rel in mapper.relationships
    }
    assert lazy and not {name for name, how in lazy.items() if how in ("select", True)}


def test_an_unloaded_relationship_raises_instead_of_querying(app: Flask) -> None:
    with app.app_context():
        db.session.add(
            Platform(
                name="Lazy LMS",
                issuer="https://lazy.example",
                client_id="c",
                auth_login_url="https://x/l",
                auth_token_url="https://x/t",
                key_set_url="https://x/k",
            )
        )
        db.session.flush()
        db.session.expunge_all()
        platform = db.session.scalars(
            sa.select(Platform).where(Platform.issuer == "https://lazy.example")
        ).one()
        with pytest.raises(sa.exc.InvalidRequestError, match="raise_on_sql"):
            _ = platform.deployments
        loaded = next(p for p in list_platforms() if p.issuer == "https://lazy.example")
        assert loaded.deployments == []  # the dashboard's query loads them
        db.session.rollback()
