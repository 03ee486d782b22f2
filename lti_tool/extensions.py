"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, RelationshipProperty

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RaiseOnSqlByDefault:
    """Every relationship is ``lazy="raise_on_sql"`` unless it names another loader: a
    template or a loop cannot query behind a page's back; a view loads what it shows
    (``selectinload``, ``joinedload``) and an object already in the session is still found
    without a query. ``lazy=True`` keeps a relationship lazy on purpose.

    A mixin, not a method of ``Base``: Flask-SQLAlchemy rebuilds ``Base`` from its bases."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        for value in vars(cls).values():
            if isinstance(value, RelationshipProperty) and value.lazy == "select":
                value.lazy = "raise_on_sql"
                value.strategy_key = (("lazy", value.lazy),)  # as SQLAlchemy does itself
        super().__init_subclass__(**kwargs)


class Base(RaiseOnSqlByDefault, DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
