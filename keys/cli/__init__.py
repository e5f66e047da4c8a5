"""``sscard-keys``: key ceremonies on the province's key store (a software store or an HSM).

One module per command group: ``ceremonies`` (create, generate, import, rotate, list),
``export`` (export-psam), ``log_commands`` (verify-log, anchor-log). Shared: the kind of
command they are (``command``), the store options every command takes before or after its
name (``options``), opening the store for a step (``stores``), secrets from files or hidden
prompts (``secrets``), what is printed (``output``) and the one error path (``errors``).

Exit status: 0 done, 1 refused or failed (one ``Error: … — what to do`` line), 2 usage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from keys.cli import ceremonies, export, log_commands
from keys.cli.command import KeysGroup

PROG = "sscard-keys"


@click.group(PROG, cls=KeysGroup)
@click.version_option(None, "-V", "--version", package_name="sscard", prog_name=PROG)
def cli(**_store_options: Any) -> None:
    """Key ceremonies for the social security card's keys.

    Every step is logged in the store's ceremony log before it takes effect: begun, then
    done or failed (a wrong passphrase or PIN included). Lines are hash-chained and MACed
    by the store itself; verify-log checks them.

    The key store options may come before or after the command. Secrets come from files
    (--passphrase-file, --pin-file, --component-file) or are typed, hidden, on a
    terminal; without a terminal the command asks for the file.

    \b
    Examples:
      sscard-keys create --store keys.json
      sscard-keys generate --store keys.json --label irk --algorithm SM4 --purpose IRK
      sscard-keys import --store keys.json --label uk --algorithm 3DES --purpose UK \\
          --custodians 3
      sscard-keys export-psam --store keys.json --transport tk --out psam-keys.json
      SSCARD_KEYS_STORE=keys.json sscard-keys list
      sscard-keys list --pkcs11-module /usr/lib/softhsm/libsofthsm2.so \\
          --token-label prov --pin-file pin.txt --log ceremony.log

    Exit status: 0 done, 1 refused or failed (one "Error: ..." line says what to do),
    2 usage error.
    """


for _command in (*ceremonies.COMMANDS, *export.COMMANDS, *log_commands.COMMANDS):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sscard-keys`` with ``argv`` (default: the process's arguments); its exit status."""
    try:
        cli.main(args=argv, prog_name=PROG)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 1
    return 0


__all__ = ["cli", "main"]
