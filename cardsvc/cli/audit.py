"""``cardsvc audit``: check the keyed hash chain of the audit trail, and anchor its head."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from cardsvc.cli.database import opened
from cardsvc.cli.shared import Failed, Misconfigured, command_settings, interruptible
from cardsvc.cli.terminal import progress
from cardsvc.settings import Settings

if TYPE_CHECKING:
    from cardsvc.audit.chain import Anchor

FC = TypeVar("FC", bound=Callable[..., object])

# Breaks listed one by one; past this, a count (a wrong secret breaks every row).
BREAKS_SHOWN = 50


@click.group(short_help="Check and anchor the audit trail.")
def audit() -> None:
    """Check the audit trail's keyed hash chain, and anchor its head outside the database."""


def _anchors_option(help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--anchors",
        type=click.Path(dir_okay=False, path_type=Path),
        show_default="the file CARDSVC_AUDIT_ANCHORS names",
        help=help_text,
    )


def _anchors_file(settings: Settings, given: Path | None) -> Path | None:
    return given or settings.audit_anchors


def _read_anchors(path: Path, given: bool) -> list[Anchor]:
    from cardsvc.audit.chain import read_anchor

    if not path.is_file():
        named = "--anchors names" if given else "CARDSVC_AUDIT_ANCHORS names"
        message = (
            f"{named} {path}, which is not a file: give the anchors file that "
            "'cardsvc audit anchor' writes"
        )
        if given:
            raise click.BadParameter(message, param_hint="--anchors")
        raise Misconfigured(message)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise Failed(
            f"{path} is not an anchors file (not UTF-8 text); the chain was not checked"
        ) from None
    anchors = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                anchors.append(read_anchor(line))
            except ValueError as error:
                raise Failed(
                    f"line {number} of {path} is not an anchor written by 'cardsvc audit anchor' "
                    f"({error}); the chain was not checked"
                ) from None
    return anchors


@audit.command(short_help="Check the chain, and its anchors if any.")
@_anchors_option("The anchors file written by 'audit anchor': a cut tail shows only against it.")
def verify(anchors: Path | None) -> None:
    """Check every row of the audit trail's chain, and the anchors if there are any.

    Reads the database only (it never creates one). Exit status: 0 the chain is
    intact (an empty trail is intact); 1 it is broken, each break listed on standard
    output and "audit trail broken" on standard error; 1 also when it could not be
    checked (no database, no schema, an unreadable anchors file: the message says so
    and never calls the chain broken); 2 wrong usage or settings.
    """
    from cardsvc.audit.service import verify_chain

    settings = command_settings()
    path = _anchors_file(settings, anchors)
    pinned = _read_anchors(path, anchors is not None) if path is not None else []
    secret = settings.audit_secret.get_secret_value().encode()
    with (
        opened(settings) as database,
        interruptible("the audit trail was not fully checked"),
        progress() as display,
        database.unit_of_work() as session,
    ):
        task = display.task("checking the audit chain", unit="rows")
        breaks = list(verify_chain(session, secret, pinned, on_progress=task))
    for item in breaks[:BREAKS_SHOWN]:
        click.echo(f"audit row {item.seq}: {item.reason}")
    if len(breaks) > BREAKS_SHOWN:
        click.echo(f"... and {len(breaks) - BREAKS_SHOWN} more")
    if breaks:
        click.echo(f"audit trail broken: {len(breaks)} problem(s)", err=True)
        rows = [item for item in breaks if item.reason != "forged anchor"]
        edited = [item.seq for item in rows if item.reason == "edited"]
        if edited and edited == list(range(1, len(rows) + 1)):
            click.echo(
                "every row from the first fails its HMAC: CARDSVC_AUDIT_SECRET may not be "
                "the secret the service writes with",
                err=True,
            )
        click.get_current_context().exit(1)
    matched = (
        f", {len(pinned)} anchor(s) matched"
        if pinned
        else " (no anchors given: a cut tail cannot be seen)"
    )
    click.echo(f"audit trail intact: {task.done} row(s) checked{matched}")


@audit.command(short_help="Append a checkpoint of the chain's head.")
@_anchors_option("The file to append the checkpoint to (made if missing, readable by you only).")
def anchor(anchors: Path | None) -> None:
    """Append a signed checkpoint of the chain's head to the anchors file.

    Keep that file where the database's administrators cannot write (another machine's
    share, write-once storage): 'audit verify' then finds rows cut from the tail.
    Reads the database only.
    """
    from cardsvc.audit.service import anchor_head
    from cardsvc.kit.types import utcnow

    settings = command_settings()
    path = _anchors_file(settings, anchors)
    if path is None:
        raise click.UsageError(
            "say where anchors are kept: --anchors FILE or CARDSVC_AUDIT_ANCHORS (outside the "
            "database's machine, where its administrators cannot write)"
        )
    secret = settings.audit_secret.get_secret_value().encode()
    with opened(settings) as database, database.unit_of_work() as session:
        head = anchor_head(session, secret, utcnow())
    if head is None:
        click.echo("the audit trail is empty: nothing to anchor")
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(head.line() + "\n")
        out.flush()
        os.fsync(out.fileno())
    click.echo(f"anchored audit row {head.seq} in {path}")
