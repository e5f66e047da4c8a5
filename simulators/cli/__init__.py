"""``sscard-sim``: soft social security cards and PSAMs of synthetic residents and provinces.

- ``values``     option values checked as they are read (regions, numbers, PIN)
- ``holder``     ``card create``'s holder options over the synthetic resident
- ``cards``      ``card create``, ``population``, ``population-csv``
- ``provinces``  ``province create``, ``psam create``
- ``relays``     ``vpcd`` and ``serial``: soft cards in readers until stopped

Exit codes, ``-v`` and ``--version`` are ``sscard-read``'s (``readers.cli.toolkit``).
"""

from __future__ import annotations

from collections.abc import Sequence

from keys.errors import KeyStoreError, StoreLocked
from readers.cli.failures import explain as explain_read_failure
from readers.cli.toolkit import program, run
from simulators.cli.cards import card, population, population_csv
from simulators.cli.provinces import province, psam
from simulators.cli.relays import serial, vpcd

PROG = "sscard-sim"


def explain(exc: Exception) -> str | None:
    """``sscard-read``'s messages, and the key store's errors; None for a bug."""
    match exc:
        case StoreLocked():
            return f"the key store refused: {exc}: check --passphrase-file is this store's"
        case KeyStoreError():
            return f"the key store refused: {exc}"
        case KeyError() if exc.args:
            return str(exc.args[0])
    return explain_read_failure(exc)


cli = program(
    PROG,
    "Make soft social security cards and PSAMs of synthetic residents and provinces, and "
    "put them into readers: no hardware needed.\n\n"
    "Exit status: 0 done, 1 failed (a file missing, unreadable or in the way, keys that do "
    "not match), 2 a mistake in the command line.",
    explain,
    log_packages=("simulators", "readers"),
)
for command in (card, population, population_csv, province, psam, vpcd, serial):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sscard-sim`` on ``argv`` (the process's arguments when None); its exit status."""
    return run(cli, argv, PROG)
