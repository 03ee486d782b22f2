"""Flask commands: ``flask keys …``, ``flask platforms …`` and ``flask demo …``."""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import selectinload

from lti_tool.core.audit import record_event
from lti_tool.core.transaction import CommandGroup
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.platforms.invites import invite_url, mint_invite
from lti_tool.platforms.keys import ensure_signing_key, published_keys, rotate_keys
from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import (
    PlatformExists,
    PlatformValues,
    add_platform,
    decide_platform,
)

CLI_ACTOR = "command line (flask)"

# Each command is one unit of work: committed when it returns, rolled back when it fails.
keys_cli = CommandGroup("keys", help="The tool's signing keys.")
platforms_cli = CommandGroup("platforms", help="LMS platforms the tool is registered with.")


@keys_cli.command("ensure")
def keys_ensure() -> None:
    """Make the first signing key if there is none."""
    key = ensure_signing_key()
    click.echo(f"Signing key: {key.kid}")


@keys_cli.command("rotate")
@click.option(
    "--grace-seconds",
    type=click.IntRange(min=0),
    default=None,
    help="How long retired keys stay published (default KEY_ROTATION_GRACE_SECONDS).",
)
def keys_rotate(grace_seconds: int | None) -> None:
    """Add a new signing key; retire the old one after the grace period."""
    seconds = (
        grace_seconds
        if grace_seconds is not None
        else current_app.config["KEY_ROTATION_GRACE_SECONDS"]
    )
    new_key, retired = rotate_keys(dt.timedelta(seconds=seconds))
    record_event(
        CLI_ACTOR, "keys.rotated", f"tool key {new_key.kid}", {"retired": [k.kid for k in retired]}
    )
    click.echo(f"New signing key: {new_key.kid}")
    for key in retired:
        click.echo(f"Retired {key.kid}; published until {key.published_until:%Y-%m-%d %H:%M UTC}")


@keys_cli.command("list")
def keys_list() -> None:
    """Keys published in the JWKS."""
    for key in published_keys():
        state = "signing" if key.is_active else f"retired, published until {key.published_until}"
        click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")


@platforms_cli.command("add")
@click.option("--name", required=True, help="A name admins recognise, e.g. 'Moodle (prod)'.")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: its wwwroot).")
@click.option("--client-id", required=True)
@click.option("--auth-url", required=True, help="OIDC authorization endpoint.")
@click.option("--token-url", required=True, help="OAuth2 token endpoint.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="Repeat for several.")
@click.option("--audience", default=None, help="Token endpoint audience, if not the token URL.")
def platforms_add(
    name: str,
    issuer: str,
    client_id: str,
    auth_url: str,
    token_url: str,
    jwks_url: str,
    deployment_ids: tuple[str, ...],
    audience: str | None,
) -> None:
    """Register a platform by hand (when dynamic registration is not available)."""
    values = PlatformValues(
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_url,
        auth_token_url=token_url,
        key_set_url=jwks_url,
        deployment_ids=deployment_ids,
        auth_audience=audience,
    )
    problems = values.errors()
    if problems:
        for field, message in problems.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(2)
    try:
        platform = add_platform(values, actor=CLI_ACTOR)
    except PlatformExists as exc:
        raise click.ClickException(
            f"{exc.message} To change its values, edit it on the admin page: "
            f"/admin/platforms/{exc.platform.id}/edit"
        ) from exc
    click.echo(f"Saved {platform.name}: {platform.issuer} client {platform.client_id}")


@platforms_cli.command("invite")
@click.option(
    "--issuer",
    default=None,
    help="Only the LMS with this issuer may use it (Moodle: its site URL).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=90),
    default=None,
    help="Days until it expires (default REGISTRATION_INVITE_DAYS, 7).",
)
@click.option("--note", default=None, help="For you: which LMS it is for.")
@click.option(
    "--tool-url", default=None, help="The tool's public base URL (default TOOL_BASE_URL)."
)
@click.option("--quiet", is_flag=True, help="Print only the URL.")
def platforms_invite(
    issuer: str | None, days: int | None, note: str | None, tool_url: str | None, quiet: bool
) -> None:
    """Make a single-use registration URL for an LMS (Dynamic Registration)."""
    base = (tool_url or current_app.config.get("TOOL_BASE_URL") or "").rstrip("/")
    if not base:
        raise click.UsageError("Give --tool-url (or set TOOL_BASE_URL): the URL the LMS will open.")
    days = days or current_app.config["REGISTRATION_INVITE_DAYS"]
    minted = mint_invite(actor=CLI_ACTOR, ttl=dt.timedelta(days=days), issuer=issuer, note=note)
    url = invite_url(f"{base}/lti/register", minted.token)
    if quiet:
        click.echo(url)
        return
    only = f", only for {minted.invite.issuer}" if minted.invite.issuer else ""
    click.echo(
        f"Registration URL (works once{only}, until "
        f"{minted.invite.expires_at:%Y-%m-%d %H:%M} UTC; not shown again):"
    )
    click.echo(url)


@platforms_cli.command("approve")
@click.argument("platform_id", type=int)
def platforms_approve(platform_id: int) -> None:
    """Approve an LMS that registered itself without an invite (open registration)."""
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise click.ClickException(f"No platform {platform_id}.")
    try:
        decide_platform(platform, "approve", actor=CLI_ACTOR)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Approved {platform.name}: {platform.issuer} client {platform.client_id}")


@platforms_cli.command("list")
def platforms_list() -> None:
    query = sa.select(Platform).order_by(Platform.id).options(selectinload(Platform.deployments))
    for platform in db.session.scalars(query):
        deployments = ", ".join(f"{d.deployment_id} ({d.status})" for d in platform.deployments)
        click.echo(
            f"{platform.id}  {platform.issuer}  client={platform.client_id}  "
            f"{platform.status}  deployments: {deployments or 'none'}"
        )


def register_cli(app: Flask) -> None:
    from lti_tool.jobs.cli import worker_command
    from lti_tool.privacy.cli import people_cli
    from lti_tool.roster.cli import roster_cli

    app.cli.add_command(keys_cli)
    app.cli.add_command(platforms_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(people_cli)
    from lti_tool.demo_lms.cli import demo_cli

    app.cli.add_command(demo_cli)
