"""``sscard-sim province create`` and ``psam create``: a synthetic province's keys, and a
window's soft PSAM holding them."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from readers.cli.toolkit import (
    DIRECTORY,
    FILE,
    Failure,
    require_parent,
    verbosity_option,
    writing,
)
from readers.connection import Protocol_
from simulators.cli import values
from simulators.cli.cards import make_directory, protocol_options, refuse_to_overwrite
from simulators.provisioning import psam_from_export, psam_from_store, write_synthetic_province
from simulators.psam_state import save_psam

logger = logging.getLogger(__name__)


@click.command("create", short_help="A synthetic province's key store and its secrets' files.")
@click.option(
    "--out",
    type=DIRECTORY,
    required=True,
    help="The directory to write keys-CODE.json, .passphrase and .transport-key into (made "
    "if it does not exist; its parent must).",
)
@click.option(
    "--code",
    default="320000",
    metavar="CODE",
    callback=values.province_code,
    help="The province's GB/T 2260 code (ends in 0000).",
)
@verbosity_option
def create_province(out: Path, code: str) -> None:
    """A key store of random master keys, its passphrase file and the factory's transport
    key file (64 hex digits)."""
    store = out / f"keys-{code}.json"
    if store.exists():
        raise Failure(
            f"{out} already holds a key store of province {code} ({store}): give another "
            "--out directory, or delete it to start again"
        )
    make_directory(out)
    logger.info("creating the key store of province %s in %s", code, out)
    files = write_synthetic_province(out, code)
    click.echo(
        f"wrote {files.store} (passphrase in {files.passphrase_file}, "
        f"factory transport key in {files.transport_key_file})",
        err=True,
    )


@click.group()
def province() -> None:
    """Synthetic provinces' keys."""


province.add_command(create_province)


@click.command("create")
@click.option("--out", type=FILE, required=True, help="The PSAM file to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--terminal",
    required=True,
    callback=values.terminal_number,
    metavar="12DIGITS",
    help="The terminal number: the region code of the terminal's place, then a sequence.",
)
@click.option(
    "--transport-key-file",
    type=FILE,
    required=True,
    help="The factory's transport key (64 hex digits), as province create writes it.",
)
@click.option(
    "--keys",
    type=FILE,
    help="The issuer's software key store (with --passphrase-file).",
)
@click.option("--passphrase-file", type=FILE, help="With --keys: the store's passphrase.")
@click.option(
    "--export",
    type=FILE,
    help="Instead of --keys: a file of 'sscard-keys export-psam', wrapped under the transport "
    "key in --transport-key-file.",
)
@protocol_options
@verbosity_option
def create_psam(
    out: Path,
    force: bool,
    terminal: str,
    transport_key_file: Path,
    keys: Path | None,
    passphrase_file: Path | None,
    export: Path | None,
    protocol: Protocol_,
) -> None:
    """Write one soft PSAM file (JSON) holding the province's PSAM keys."""
    if (keys is None) == (export is None):
        raise click.UsageError("give the PSAM keys with one of --keys (a key store) or --export")
    if keys is not None and passphrase_file is None:
        raise click.UsageError("--keys needs --passphrase-file")
    refuse_to_overwrite(out, force)
    require_parent(out)
    logger.info("personalising a PSAM for terminal %s (%s)", terminal, protocol)
    if keys is not None and passphrase_file is not None:
        psam = psam_from_store(keys, passphrase_file, transport_key_file, terminal, protocol)
    elif export is not None:
        psam = psam_from_export(export, transport_key_file, terminal, protocol)
    with writing(out):
        save_psam(psam, out)
    click.echo(f"wrote {out}: PSAM for terminal {terminal}, {len(psam.memory.keys)} keys", err=True)


@click.group()
def psam() -> None:
    """Soft PSAMs."""


psam.add_command(create_psam)
