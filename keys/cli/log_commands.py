"""``verify-log`` and ``anchor-log``: check the ceremony log, and checkpoint its head.

Both open the store (its MAC key checks every line and anchor) but are not ceremony steps:
they add no line to the log.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from keys.ceremony_log import Anchor, anchor, read_anchors, verify_log
from keys.cli.command import CeremonyCommand
from keys.cli.errors import CeremonyFailed
from keys.cli.options import StoreChoice
from keys.cli.output import say
from keys.cli.stores import opened
from keys.files import UnfitFile


def _require_log(where: StoreChoice) -> None:
    if not where.log_path.exists():
        raise CeremonyFailed(
            f"there is no ceremony log at {where.log_path}",
            "restore it from its backup (a token's log is where --log named it at first use)",
        )


@click.command(
    "verify-log", cls=CeremonyCommand, short_help="Check the ceremony log (and anchors)."
)
@click.option(
    "--anchors",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Anchors file written by anchor-log: also finds a log cut after an anchor.",
)
def verify_log_command(where: StoreChoice, anchors: Path | None) -> None:
    """Check the ceremony log: its hash chain, each line's MAC under the store, and the
    anchors given.

    Exit status 1 names the first line that does not verify.
    """
    held = _anchors(anchors) if anchors is not None else []
    _require_log(where)
    with opened(where) as store:
        lines = verify_log(where.log_path, store.log_mac, held)
    if held:
        matched = "1 anchor matches" if len(held) == 1 else f"{len(held)} anchors match"
        say(f"the ceremony log {where.log_path} is intact: {lines} lines, {matched}")
    else:
        say(
            f"the ceremony log {where.log_path} is intact: {lines} lines (no --anchors given: "
            "a cut tail cannot be found without them)"
        )


def _anchors(path: Path) -> list[Anchor]:
    """The anchors file's anchors, read before the store is opened; a file that is not one
    is its own fault, reported as such (the log is not checked)."""
    try:
        return read_anchors(path)
    except UnfitFile as error:
        raise CeremonyFailed(
            str(error),
            "give --anchors the file sscard-keys anchor-log appends to; the ceremony log was "
            "not checked",
        ) from None


@click.command("anchor-log", cls=CeremonyCommand, short_help="Checkpoint the ceremony log's head.")
@click.option(
    "--anchors",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    required=True,
    help="Anchors file to append to (created if absent); keep it where the log's writers "
    "cannot write.",
)
def anchor_log(where: StoreChoice, anchors: Path) -> None:
    """Append a checkpoint of the ceremony log's head, under the store's MAC, to an
    anchors file."""
    _require_log(where)
    with opened(where) as store:
        line = anchor(where.log_path, store.log_mac)
    descriptor = os.open(anchors, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
    say(f"anchored the ceremony log at line {json.loads(line)['seq']} in {anchors}")


COMMANDS: list[click.Command] = [verify_log_command, anchor_log]
