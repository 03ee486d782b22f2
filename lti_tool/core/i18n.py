"""The language pages speak: Flask-Babel, wired once for the whole app.

Mark every user-facing string: ``{{ _("…") }}`` / ``{% trans %}`` in templates,
``gettext``/``lazy_gettext`` from ``flask_babel`` in Python (``N_`` marks a string kept as data
and translated where it is shown). Catalogues live in ``lti_tool/translations``; ``make
translations`` extracts, updates and compiles them.

The locale: the LMS's ``launch_presentation.locale`` of the launch a page belongs to (put on
``g`` by ``use_launch_locale`` when ``core.auth`` loads the launch), else the browser's
Accept-Language, else English.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import (
    Babel,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    refresh,
)

from config.settings import ROOT
from lti_tool.core.lti_spec import CLAIM

babel = Babel()

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "de")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def N_(message: str) -> str:
    """Mark ``message`` for extraction only: it is stored as data and translated where shown."""
    return message


def supported_locale(tag: Any) -> str | None:
    """The supported locale for a language tag such as ``de``, ``de-DE`` or Moodle's ``de_du``
    (None when the language is not one the tool speaks, or the tag is malformed)."""
    if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag.strip()):
        return None
    language = re.split(r"[-_]", tag.strip())[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def launch_locale(claims: Any) -> str | None:
    """The locale a launch's ``launch_presentation`` asks for, if the tool speaks it."""
    if not isinstance(claims, Mapping):
        return None
    presentation = claims.get(CLAIM + "launch_presentation")
    if not isinstance(presentation, Mapping):
        return None
    return supported_locale(presentation.get("locale"))


def use_launch_locale(claims: Any) -> None:
    """From now on this request speaks the launch's language (when the tool speaks it)."""
    g.launch_locale = launch_locale(claims)
    refresh()  # a string translated before the launch was loaded must not fix the locale


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = g.get("launch_locale")
    if chosen:
        return chosen
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


# A day as the house writes it: "1 September 2026", "1. September 2026".
DAY_PATTERNS = {"en": "d MMMM y", "de": "d. MMMM y"}
MOMENT_PATTERNS = {"en": "d MMMM y 'at' HH:mm", "de": "d. MMMM y 'um' HH:mm 'Uhr'"}
# A meeting time in its own zone: "Monday 7 September 2026, 14:00" ("Montag, 7. September …").
WEEKDAY_MOMENT_PATTERNS = {"en": "EEEE d MMMM y, HH:mm", "de": "EEEE, d. MMMM y, HH:mm"}
DAY_TIME_PATTERNS = {"en": "d MMMM y, HH:mm", "de": "d. MMMM y, HH:mm"}
WEEKDAY_PATTERNS = {"en": "EEEE d MMMM y", "de": "EEEE, d. MMMM y"}


def current_language() -> str:
    """The language this request (or ``force_locale`` block) speaks; English otherwise."""
    if not has_app_context():
        return DEFAULT_LOCALE
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def format_day(value: dt.date | dt.datetime) -> str:
    """A day for the page's locale (a datetime is shown on its UTC day)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    language = current_language()
    return babel_format_date(value, DAY_PATTERNS.get(language, "long"), locale=language)


def format_moment(value: dt.datetime) -> str:
    """A day and time in UTC for the page's locale ("1 September 2026 at 14:05")."""
    return format_datetime(value, MOMENT_PATTERNS.get(current_language(), "medium"))


def format_weekday_moment(value: dt.datetime) -> str:
    """A weekday, day and time in ``value``'s own time zone, for the page's (or mail's) locale."""
    language = current_language()
    pattern = WEEKDAY_MOMENT_PATTERNS.get(language, WEEKDAY_MOMENT_PATTERNS[DEFAULT_LOCALE])
    return babel_format_datetime(value, pattern, locale=language)


def format_day_time(value: dt.datetime) -> str:
    """A day and time in ``value``'s own time zone ("1 September 2026, 14:05")."""
    language = current_language()
    pattern = DAY_TIME_PATTERNS.get(language, DAY_TIME_PATTERNS[DEFAULT_LOCALE])
    return babel_format_datetime(value, pattern, locale=language)


def format_weekday(value: dt.date) -> str:
    """A weekday and day ("Monday 7 September 2026") for the page's (or mail's) locale."""
    language = current_language()
    pattern = WEEKDAY_PATTERNS.get(language, WEEKDAY_PATTERNS[DEFAULT_LOCALE])
    return babel_format_date(value, pattern, locale=language)


def translate(message: str) -> str:
    """``message`` (a string marked with ``N_`` and kept as data) in the page's language."""
    return gettext(message)


def translated(options: Iterable[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """(value, caption) pairs with each caption in the page's language (values unchanged)."""
    return [(value, gettext(caption)) for value, caption in options]


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "lti_tool" / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    # Besides Flask-Babel's own filters (dateformat, datetimeformat, timeformat).
    app.jinja_env.filters["decimal"] = format_decimal
    app.jinja_env.filters["translate"] = translate
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["weekday_moment"] = format_weekday_moment
    app.context_processor(lambda: {"page_language": current_language})
