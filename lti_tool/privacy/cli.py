"""``flask people export <issuer> <sub>`` and ``flask people erase <issuer> <sub>``."""

from __future__ import annotations

import json

import click

from lti_tool.core.audit import record_event
from lti_tool.core.transaction import CommandGroup
from lti_tool.errors import ReciprocalError
from lti_tool.privacy.erase import erase_person
from lti_tool.privacy.export import export_person, find_person
from lti_tool.roster.models import Person

CLI_ACTOR = "command line (flask)"

people_cli = CommandGroup("people", help="A person's data: export it, or erase the person.")


def _find(issuer: str, sub: str) -> Person:
    try:
        return find_person(issuer, sub)
    except ReciprocalError as error:
        raise click.ClickException(error.message) from error


@people_cli.command("export")
@click.argument("issuer")
@click.argument("sub")
@click.option("--output", "-o", type=click.File("w"), default="-", help="File (default stdout).")
def people_export(issuer: str, sub: str, output: click.utils.LazyFile) -> None:
    """Everything the tool holds about one person, as JSON."""
    person = _find(issuer, sub)
    json.dump(export_person(person), output, indent=2, ensure_ascii=False, default=str)
    output.write("\n")
    record_event(CLI_ACTOR, "person.exported", f"person {person.id}", person_id=person.id)


@people_cli.command("erase")
@click.argument("issuer")
@click.argument("sub")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def people_erase(issuer: str, sub: str, yes: bool) -> None:
    """Erase one person: identity and free text removed, pairs kept without identity."""
    person = _find(issuer, sub)
    if not yes:
        click.confirm(
            f"Erase person {person.id} ({person.display_name}) of {issuer}? This cannot be undone",
            abort=True,
        )
    try:
        done = erase_person(person, actor=CLI_ACTOR)
    except ReciprocalError as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"Person {done.person_id} erased: {done.pairs_ended} pair(s) flagged, "
        f"{len(done.partners)} partner(s) told, {done.texts_removed} text(s) removed."
    )
