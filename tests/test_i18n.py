"""The tool speaks the language the LMS asks for (``launch_presentation.locale``), falls back to
Accept-Language and then English, writes dates for the locale, and every string of the learner
pages is marked and translated into German."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from babel.dates import format_date
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask import Flask

from lti_tool.core.i18n import supported_locale
from lti_tool.core.time import utcnow
from tests.learning.pages_support import start_program
from tests.matching.test_pair_pages import course_of, fill_profiles, followed, new_program
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    InTool,
    enter,
    forget_programs,
    in_tool,
)
from tests.support.launching import LEARNER, Platform

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
GERMAN = ROOT / "lti_tool" / "translations" / "de" / "LC_MESSAGES" / "messages.po"

# Complete in German (item 10: "one more language complete for the learner pages").
LEARNER_TEMPLATES = (
    "base.html",
    "_form.html",
    "errors/error.html",
    "home/learner.html",
    "matching/intake.html",
    "matching/partner.html",
    "learning/steps/learner.html",
    "learning/_learner_path.html",
    "learning/_partner_card.html",
    "learning/_partner_contact.html",
    "learning/_state.html",
    "learning/_zone_note.html",
    "learning/mail/message.html",
)
# Templates whose text is not marked yet: this list may only shrink. The demo LMS plays a
# foreign platform and stays English.
NOT_YET_MARKED: set[str] = set()


def launch_in(platform: Platform, locale: str | None, user: str = LEARNER) -> InTool:
    """A real launch from the demo LMS whose ``launch_presentation.locale`` is ``locale``."""
    options = {"locale": locale} if locale else {}
    return in_tool(platform, platform.launch(user, **options))


@pytest.fixture
def open_program(app: Flask, spec: Platform, forget_programs: None) -> int:
    designer = enter(spec)
    return new_program(app, course_of(app, designer))


# -- the launch's locale ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de", "de"),
        ("de-DE", "de"),
        ("de_ch", "de"),
        ("EN-gb", "en"),
        ("fr", None),
        ("", None),
        ("de;drop table", None),
        (None, None),
    ],
)
def test_supported_locale(tag: str | None, expected: str | None) -> None:
    assert supported_locale(tag) == expected


def test_german_launch_shows_german_intake_and_home(
    app: Flask, spec: Platform, open_program: int
) -> None:
    learner = launch_in(spec, "de-DE")
    intake = learner.page
    assert intake.url.endswith("/intake"), intake.url
    assert '<html lang="de">' in intake.text
    assert "Ihr Profil für" in intake.text and "Über Sie" in intake.text
    assert "Zum Inhalt springen" in intake.text
    assert "Your profile for" not in intake.text

    refused = learner.post(f"programs/{open_program}/intake", {"department": ""})
    assert refused.status_code == 422
    assert "Bitte korrigieren Sie die" in refused.text
    assert "Wählen Sie mindestens eine Fähigkeit, die Sie anbieten können." in refused.text

    fill_profiles(app, open_program)  # her profile is saved: the home page shows its day
    home = learner.get()
    assert home.status_code == 200
    today = dt.datetime.now(dt.UTC).date()
    assert f"Gespeichert am {format_date(today, 'd. MMMM y', locale='de')}" in home.text
    assert "Hallo, Amara Okafor" in home.text
    assert "Zuordnung läuft" in home.text  # the program's phase badge


@pytest.mark.usefixtures("forget_programs")
def test_german_launch_shows_a_german_step_page(app: Flask, spec: Platform) -> None:
    running, _designer = start_program(app, spec)
    mentor = launch_in(spec, "de", "amara.okafor")
    agreement = f"steps/{running.step('Our mentoring agreement')}"

    page = mentor.get(agreement)
    assert page.status_code == 200, page.text[:500]
    assert '<html lang="de">' in page.text
    assert (
        "Version 1 unterschreiben" in page.text and "Noch hat niemand unterschrieben." in page.text
    )
    assert "Datum und Uhrzeit werden in Ihrer Zeitzone angezeigt" in page.text
    assert "Sign version" not in page.text and "Nobody has signed" not in page.text

    signed = followed(mentor, mentor.post(f"{agreement}/sign", allow_redirects=False))
    assert "Sie haben die Vereinbarung unterschrieben." in signed
    assert "Sie ist vollständig, sobald auch Thomas Becker unterschreibt." in signed
    today = utcnow().astimezone(ZoneInfo("Europe/London")).date()  # her profile's zone
    assert f"{format_date(today, 'd. MMMM y', locale='de')}, " in signed

    english = launch_in(spec, "en", "thomas.becker").get(agreement)
    assert "Amara Okafor signed version 1 and waits for your signature." in english.text


def test_english_launch_is_english(app: Flask, spec: Platform, open_program: int) -> None:
    fill_profiles(app, open_program)
    home = launch_in(spec, "en").page
    assert '<html lang="en">' in home.text
    today = dt.datetime.now(dt.UTC).date()
    assert f"Saved on {today.day} {today:%B %Y}" in home.text
    assert "Hello, Amara Okafor" in home.text


def test_unknown_locale_falls_back_to_english(spec: Platform, open_program: int) -> None:
    intake = launch_in(spec, "xx-YY").page
    assert '<html lang="en">' in intake.text
    assert "Your profile for" in intake.text


def test_launch_locale_wins_over_the_browsers_language(spec: Platform, open_program: int) -> None:
    learner = launch_in(spec, "en")
    page = learner.get(f"programs/{open_program}/intake", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in page.text and "Your profile for" in page.text


@pytest.mark.parametrize(
    ("accept", "lang", "words"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", "de", "Ihre Sitzung ist abgelaufen"),
        ("fr-FR", "en", "Your session has expired"),
        (None, "en", "Your session has expired"),
    ],
)
def test_pages_without_a_launch_follow_accept_language(
    live_server, accept: str | None, lang: str, words: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    page = requests.get(f"{live_server.tool_url}/s/no-such-launch/", headers=headers, timeout=10)
    assert page.status_code == 401
    assert f'<html lang="{lang}">' in page.text
    assert words in page.text


# -- every string marked, the learner pages translated -----------------------------------------

COMMENT = re.compile(r"{#.*?#}", re.S)
SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
MARKED_LITERAL = re.compile(
    r"""(?:\b_|\bngettext|\bgettext)\(\s*(?:"[^"]*"|'[^']*')(?:\s*,\s*(?:"[^"]*"|'[^']*'))?"""
)
LITERAL = re.compile(r"""(?<![\w.])(?:"([^"]*)"|'([^']*)')""")
ATTRIBUTE = re.compile(r"""\b(?:alt|title|placeholder|aria-label)="([^"{]*)\"""")
WORD = re.compile(r"[A-Za-z]{2,}")
NOT_TEXT = {"Reciprocal"}  # the brand


def unmarked_text(source: str) -> list[str]:
    """Visible words of a template that no ``_()``/``ngettext()`` wraps: text between tags,
    text attributes, and prose-like string literals inside Jinja tags."""
    source = SCRIPT.sub("", COMMENT.sub("", source))
    found: list[str] = []
    for tag in TAG.findall(source):
        for literal in LITERAL.finditer(MARKED_LITERAL.sub("", tag)):
            text = literal.group(1) if literal.group(1) is not None else literal.group(2)
            if WORD.search(text) and (" " in text.strip() or re.fullmatch(r"[A-Z][a-z]+", text)):
                found.append(text)
    markup = TAG.sub(" ", source)
    found += [a for a in ATTRIBUTE.findall(markup) if WORD.search(a)]
    markup = re.sub(r"<[^>]*>", "\n", markup)
    markup = re.sub(r"""[\w-]+=(?:"[^"]*"|'[^']*')""", " ", markup)  # attributes a macro emits
    for text in markup.split("\n"):
        words = [w for w in WORD.findall(text) if w not in NOT_TEXT]
        if words:
            found.append(text.strip())
    return found


def all_templates() -> list[str]:
    return sorted(
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if not str(p.relative_to(TEMPLATES)).startswith("demo_lms/")
    )


@pytest.mark.parametrize("name", all_templates())
def test_template_text_is_marked(name: str) -> None:
    bare = unmarked_text((TEMPLATES / name).read_text())
    if name in NOT_YET_MARKED:
        assert bare, f"{name} is marked now: take it off NOT_YET_MARKED"
    else:
        assert not bare, f"{name} has text outside _(): {bare[:5]}"


def test_the_lint_sees_bare_text() -> None:
    assert unmarked_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked_text('<input placeholder="Search">') == ["Search"]
    assert unmarked_text("{{ f.input(form.x, 'Your name') }}") == ["Your name"]
    assert unmarked_text("<p>{{ _('Hello, %(n)s', n=name) }} {{ url_for('a.b') }}</p>") == []


def catalogue_ids(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    return {
        (m.id[0] if isinstance(m.id, tuple) else m.id): (
            m.string[0] if isinstance(m.string, tuple) else m.string
        )
        for m in catalogue
        if m.id
    }


def template_ids(name: str) -> set[str]:
    messages = extract_from_file(
        "jinja2", str(TEMPLATES / name), keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    )
    return {m[1][0] if isinstance(m[1], tuple) else m[1] for m in messages}


def test_learner_pages_are_complete_in_german() -> None:
    german = catalogue_ids(GERMAN)
    missing = {
        message
        for name in LEARNER_TEMPLATES
        for message in template_ids(name)
        if not german.get(message)
    }
    assert not missing, f"run `make translations` and translate: {sorted(missing)[:10]}"


# Informal address: "du" and its forms, and the plural "ihr"/"euch" as a subject or object.
INFORMAL = re.compile(r"\b(?:du|dich|dir|dein\w*|euch|euer\w*|eure\w*)\b", re.IGNORECASE)
INFORMAL_PLURAL = re.compile(r"(?:^|[.:;!?]\s+)Ihr\s+\w+t\b|\bihr\s+(?:habt|seid|\w+t)\b")
INFORMAL_IMPERATIVE = re.compile(
    r"(?:^|[.:;!?]\s+|\b(?:Bitte|und|oder)\s+)(?:wähle|korrigiere|prüfe|gib|geh|nimm|lade"
    r"|versuche|sag|zeig|kreuze|nenne|öffne|tippe|sieh|schreib|lass|melde|verwende)\b",
    re.IGNORECASE,
)


def german_strings() -> list[tuple[str, str]]:
    with GERMAN.open("rb") as handle:
        catalogue = read_po(handle)
    return [
        (message.id[0] if isinstance(message.id, tuple) else message.id, text)
        for message in catalogue
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if text
    ]


def test_german_addresses_people_formally() -> None:
    informal = [
        (english, german)
        for english, german in german_strings()
        if INFORMAL.search(german)
        or INFORMAL_PLURAL.search(german)
        or INFORMAL_IMPERATIVE.search(german)
    ]
    assert not informal, f"use formal 'Sie': {informal[:5]}"


def test_the_formal_address_check_sees_du_and_not_direkt() -> None:
    assert INFORMAL.search("Wähle, was dir liegt") and INFORMAL.search("Dein Profil")
    assert INFORMAL_IMPERATIVE.search("Bitte korrigiere die Felder.")
    assert INFORMAL_IMPERATIVE.search("Prüfe die Adresse oder geh zurück.")
    assert INFORMAL_PLURAL.search("Ihr habt eine gemeinsame Sprache.")
    formal = "Direkt danach sehen Sie Ihr Profil; Ihre Dienste und Ihr Paar bleiben gespeichert."
    assert not (INFORMAL.search(formal) or INFORMAL_PLURAL.search(formal))
    assert not INFORMAL_IMPERATIVE.search("Wählen Sie Ihre Zeitzone. Bitte prüfen Sie den Termin.")
