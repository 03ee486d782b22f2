"""The language pages speak: Flask-Babel, wired once for the whole app.

Mark every user-facing string: ``{{ _("…") }}`` / ``{% trans %}`` in templates,
``gettext``/``lazy_gettext`` from ``flask_babel`` in Python. Catalogues live in
``lti_tool/translations``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from config.settings import ROOT

babel = Babel()


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "lti_tool" / "translations"))
    babel.init_app(app)
