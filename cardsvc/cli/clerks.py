"""``cardsvc clerks``: the first administrator, and what administrators do from the
server's console (deactivate, move, change roles, reset passwords, list)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import click

from cardsvc.clerks.permissions import Role
from cardsvc.cli.database import opened
from cardsvc.cli.shared import Failed, command_settings, system_audit
from cardsvc.cli.terminal import table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cardsvc.audit.service import AuditTrail
    from cardsvc.clerks.models import Clerk

FC = TypeVar("FC", bound=Callable[..., object])

# The domain's refusals, in English for the operator (the API answers clerks in Chinese).
_REFUSALS = {
    "clerk_not_found": "no clerk has the username {username!r}",
    "platform_not_found": "no platform has the unified code {platform!r}",
    "invalid_clerk": "a username is 3 to 40 lowercase letters, digits, '.', '_' or '-'; a "
    "display name is up to 40 characters of text; a password is 10 or more characters mixing "
    "letters, digits or signs",
    "invalid_province": "a province code is the 6 digits of GB/T 2260 (such as 320000) and "
    "its name is text without control characters",
    "invalid_region_code": "{province!r} is not a province's GB/T 2260 code (such as 320000)",
    "invalid_password": "a password is 10 or more characters mixing letters, digits or signs",
    "already_bootstrapped": "an administrator exists already: administrators register "
    "further clerks through the API (POST /clerks)",
    "username_taken": "the username {username!r} is taken",
}


@click.group(short_help="Clerk accounts.")
def clerks() -> None:
    """Clerk accounts: the first administrator, then changes that take effect at once
    (a changed clerk's tokens stop working)."""


@contextmanager
def _clerk_work(**names: str) -> Iterator[tuple[Session, AuditTrail]]:
    """A unit of work on the command's database; the domain's refusals end the command."""
    from cardsvc.errors import DomainError

    settings = command_settings()
    try:
        with opened(settings) as database, database.unit_of_work() as session:
            yield session, system_audit(session, settings)
    except DomainError as error:
        text = _REFUSALS.get(error.code)
        raise Failed(f"{text.format(**names) if text else error.detail} ({error.code})") from None


def _password_options(command: FC) -> FC:
    command = click.option(
        "--prompt",
        "source",
        flag_value="prompt",
        help="Ask for the password on the terminal (hidden, typed twice).",
    )(command)
    command = click.option(
        "--password-stdin",
        "source",
        flag_value="stdin",
        help="Read the password from the first line of standard input.",
    )(command)
    return click.option(
        "--generate",
        "source",
        flag_value="generate",
        default=True,
        show_default=False,
        help="Make a random password and print it once (the default).",
    )(command)


def _password(source: str) -> str:
    if source == "stdin":
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise Failed("no password on standard input (--password-stdin reads its first line)")
        return password
    if source == "prompt":
        if not sys.stdin.isatty():
            raise click.UsageError(
                "--prompt needs a terminal to ask on; pipe the password in with "
                "--password-stdin instead, or let one be generated"
            )
        return str(click.prompt("New password", hide_input=True, confirmation_prompt=True))
    return generated_password()


def generated_password() -> str:
    """16 random characters that pass the password rule: letters and digits both (about
    one draw in thirty has only letters), not few distinct characters."""
    while True:
        password = secrets.token_urlsafe(12)
        kinds = any(ch.isalpha() for ch in password) and any(ch.isdigit() for ch in password)
        if kinds and len(set(password)) >= 8:
            return password


@clerks.command("create-admin", short_help="Create the first administrator.")
@click.option("--username", required=True, help="The administrator's login name.")
@click.option("--display-name", default="系统管理员", help="The name clerks see.")
@click.option(
    "--province-code", default="320000", help="The province's GB/T 2260 code (its platform)."
)
@click.option("--province-name", default="江苏省", help="The province's name, if it is made.")
@_password_options
def create_admin(
    username: str, display_name: str, province_code: str, province_name: str, source: str
) -> None:
    """Create the first administrator, at the province platform (made if missing).

    Refused once an administrator exists: from then on administrators register clerks
    through the API.
    """
    from cardsvc.clerks.passwords import Passwords
    from cardsvc.clerks.service import bootstrap_administrator

    password = _password(source)
    with _clerk_work(username=username, province=province_code) as (session, audit):
        clerk, window = bootstrap_administrator(
            session,
            audit,
            Passwords(command_settings()),
            username=username,
            display_name=display_name,
            password=password,
            province_code=province_code,
            province_name=province_name,
        )
        done = f"administrator {clerk.username} created at window {window.code}"
    click.echo(done)
    if source == "generate":
        click.echo(f"password (shown once): {password}")


@clerks.command("reset-password", short_help="Give a clerk a new password.")
@click.argument("username")
@_password_options
def reset_password(username: str, source: str) -> None:
    """Give a clerk a new password (a forgotten one, a leaked one); their sessions end."""
    from cardsvc.clerks.passwords import Passwords
    from cardsvc.clerks.service import reset_password as reset

    password = _password(source)
    with _clerk_work(username=username) as (session, audit):
        clerk = reset(session, audit, Passwords(command_settings()), username, password)
        done = f"clerk {clerk.username}: new password set; their sessions have ended"
    click.echo(done)
    if source == "generate":
        click.echo(f"password (shown once): {password}")


def _changed(clerk: Clerk) -> str:
    return (
        f"clerk {clerk.username}: {'active' if clerk.active else 'inactive'}, "
        f"role {clerk.role.value}, platform {clerk.platform.unified_code}; "
        "their sessions have ended"
    )


def _change(username: str, **change: object) -> None:
    from cardsvc.clerks.service import change_clerk

    platform = str(change.get("platform_code") or "")
    with _clerk_work(username=username, platform=platform) as (session, audit):
        done = _changed(change_clerk(session, audit, username, **change))  # type: ignore[arg-type]
    click.echo(done)


@clerks.command(short_help="Stop a clerk's account.")
@click.argument("username")
def deactivate(username: str) -> None:
    """Stop a clerk's account; their tokens stop working at once."""
    _change(username, active=False)


@clerks.command(short_help="Let a deactivated clerk log in again.")
@click.argument("username")
def activate(username: str) -> None:
    """Let a deactivated clerk log in again (their old tokens stay dead)."""
    _change(username, active=True)


@clerks.command(short_help="Move a clerk to another platform.")
@click.argument("username")
@click.option("--platform", required=True, metavar="CODE", help="The platform's unified code.")
def move(username: str, platform: str) -> None:
    """Move a clerk to another platform; their tokens stop working at once."""
    _change(username, platform_code=platform)


@clerks.command("set-role", short_help="Change a clerk's role.")
@click.argument("username")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def set_role(username: str, role: str) -> None:
    """Change a clerk's role; their tokens stop working at once."""
    _change(username, role=Role(role))


@clerks.command("list", short_help="List the clerks.")
def list_clerks() -> None:
    """Every clerk: username, role, platform, active or not. Reads the database only.

    A table on a terminal; tab-separated lines, header first, in a pipe.
    """
    from cardsvc.clerks.service import every_clerk

    with _clerk_work() as (session, _audit):
        rows = [
            [
                clerk.username,
                clerk.role.value,
                clerk.platform.unified_code,
                clerk.platform.name,
                "active" if clerk.active else "inactive",
            ]
            for clerk in every_clerk(session)
        ]
    table(["username", "role", "platform", "platform name", "state"], rows)
