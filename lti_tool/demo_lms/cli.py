"""``flask demo …``: seed the demo LMS, grow a big course, rotate keys, register the tool."""

from __future__ import annotations

import datetime as dt
import time

import click

from lti_tool.core.transaction import CommandGroup, separate_unit
from lti_tool.demo_lms.flavours import FLAVOURS
from lti_tool.extensions import db

demo_cli = CommandGroup("demo", help="The built-in demo LMS (seed data, keys, registration).")


@demo_cli.command("seed")
@click.option("--tool-url", help="Base URL of the tool, e.g. http://127.0.0.1:5000")
@click.option("--lms-url", help="Base URL of the demo LMS, e.g. http://localhost:5000")
def seed_command(tool_url: str | None, lms_url: str | None) -> None:
    """Create platform keys, the pilot course and its people (idempotent)."""
    from lti_tool.demo_lms.seed import seed_demo

    course = seed_demo(tool_url, lms_url)
    click.echo(
        f"Demo LMS seeded: course {course.title!r} ({course.context_id}), "
        f"flavours {', '.join(FLAVOURS)}."
    )


@demo_cli.command("big-course")
@click.option("--members", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True)
@click.option("--context-id", help="Context id of the course (default BIG-<members>).")
def big_course_command(members: int, context_id: str | None) -> None:
    """Create (or complete) a course with MEMBERS learners, inserted in bulk."""
    from lti_tool.demo_lms.dynamic_registration import add_default_activity
    from lti_tool.demo_lms.models import DemoResourceLink, DemoToolRegistration
    from lti_tool.demo_lms.seed import grow_big_course

    started = time.perf_counter()
    course = grow_big_course(members, context_id)
    for registration in db.session.scalars(db.select(DemoToolRegistration)):
        has_link = db.session.scalars(
            db.select(DemoResourceLink.id).where(
                DemoResourceLink.registration_id == registration.id,
                DemoResourceLink.course_id == course.id,
            )
        ).first()
        if has_link is None:
            add_default_activity(registration, course)
    click.echo(
        f"Course {course.context_id} (id {course.id}) has {members} members "
        f"({time.perf_counter() - started:.1f} s)."
    )


@demo_cli.command("rotate-platform-key")
@click.argument("flavour", type=click.Choice(list(FLAVOURS)))
def rotate_key_command(flavour: str) -> None:
    """Sign with a new key from now on; the old one stays in the flavour's JWKS."""
    from lti_tool.demo_lms.keys import rotate_platform_key

    key = rotate_platform_key(flavour)
    click.echo(f"{flavour}: new platform key {key.kid} signs from now on.")


DEMO_INVITE_TTL = dt.timedelta(hours=1)


def demo_registration_url(tool_url: str, lms_url: str, flavour: str, actor: str) -> str:
    """A fresh registration URL (invite) for ``flavour``'s issuer only, as a tool admin would
    make it; needs an app context. The invite is committed at once, in a unit of its own: the
    running tool must see it when the LMS registers with it."""
    from lti_tool.demo_lms.urls import platform_urls
    from lti_tool.platforms.invites import invite_url, mint_invite

    with separate_unit():
        token = mint_invite(
            actor=actor,
            ttl=DEMO_INVITE_TTL,
            issuer=platform_urls(lms_url, flavour).issuer,
            note=f"demo LMS, {flavour} flavour",
        ).token
    return invite_url(tool_url.rstrip("/") + "/lti/register", token)


@demo_cli.command("register")
@click.option("--tool-url", required=True, help="Base URL of the running tool.")
@click.option("--lms-url", required=True, help="Base URL of the running demo LMS.")
@click.option("--flavour", "flavours", multiple=True, type=click.Choice(list(FLAVOURS)))
def register_command(tool_url: str, lms_url: str, flavours: tuple[str, ...]) -> None:
    """Register the tool in the (running) demo LMS through Dynamic Registration, each
    flavour with a registration URL minted for its issuer."""
    from lti_tool.demo_lms.registration import RegistrationFailed, register_tool

    for name in flavours or tuple(FLAVOURS):
        url = demo_registration_url(tool_url, lms_url, name, "command line (flask demo register)")
        try:
            result = register_tool(lms_url, name, url)
        except RegistrationFailed as exc:
            raise click.ClickException(f"{name}: {exc}") from exc
        click.echo(
            f"{name}: registered client_id={result.client_id} deployment_id={result.deployment_id}"
        )


@demo_cli.command("urls")
@click.option("--lms-url", default="http://localhost:5000", show_default=True)
def urls_command(lms_url: str) -> None:
    """Print each flavour's issuer and endpoints (for a manual registration)."""
    from dataclasses import asdict

    from lti_tool.demo_lms.urls import platform_urls

    for name in FLAVOURS:
        click.echo(f"[{name}]")
        for key, value in asdict(platform_urls(lms_url, name)).items():
            click.echo(f"  {key:24} {value}")


@demo_cli.command("ags-faults")
@click.argument("spec", default="")
@click.option("--seed", type=int, help="Seed for a repeatable sequence of faults.")
@click.option("--slow-seconds", type=float, help="How late a 'slow' reply comes.")
@click.option("--rate-limit", default="", help="Canvas throttling: SIZE:PER_SECOND (empty: off).")
@click.option(
    "--throttle-status",
    type=click.Choice(["429", "403"]),
    help="Canvas's throttle reply (default 429).",
)
def ags_faults_command(
    spec: str,
    seed: int | None,
    slow_seconds: float | None,
    rate_limit: str,
    throttle_status: str | None,
) -> None:
    """Set AGS fault injection at run time, e.g. ``500:0.1,429:0.1,slow:0.05,drop:0.05``
    (an empty SPEC turns faults off). Running servers pick it up on their next AGS call."""
    from lti_tool.demo_lms.faults import BadFaultSettings, format_spec, store_settings

    try:
        settings = store_settings(
            {
                "faults": spec,
                "seed": seed,
                "slow_seconds": slow_seconds,
                "rate_limit": rate_limit,
                "throttle_status": throttle_status,
            }
        )
    except BadFaultSettings as exc:
        raise click.BadParameter(str(exc)) from exc
    seeded = f" (seed {settings.seed})" if settings.seed is not None else ""
    limit = (
        f"{settings.rate_limit_size:g} at {settings.rate_limit_per_second:g}/s"
        if settings.rate_limit_size
        else "off"
    )
    click.echo(
        f"AGS faults: {format_spec(settings.faults) or 'off'}{seeded}; slow replies "
        f"after {settings.slow_seconds:g} s; Canvas rate limit {limit}."
    )


@demo_cli.command("mail-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, help="Default: DEMO_LMS_SMTP_PORT (8025).")
def mail_server_command(host: str, port: int | None) -> None:
    """Run the demo LMS's SMTP server: what the tool sends appears on the LMS's Mail page."""
    from flask import current_app

    from lti_tool.demo_lms.mail_server import start_mail_server

    port = port or current_app.config["DEMO_LMS_SMTP_PORT"]
    controller = start_mail_server(current_app._get_current_object(), host, port)
    click.echo(f"Demo LMS mail server on {host}:{port}; what it receives is on the LMS's /mail")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
