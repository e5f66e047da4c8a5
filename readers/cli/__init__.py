"""``sscard-read``: list readers, read a social security card, trace its APDUs, watch
readers, diagnose PC/SC.

- ``toolkit``    what every sscard command line shares: exit codes, -v, --version,
                 prompts, tables and progress bars
- ``selection``  readers chosen by number or by a unique part of their name
- ``failures``   the message for each error a read can end in
- ``read``       ``read`` and ``trace``
- ``diagnose``   ``list`` and ``doctor``
- ``watch``      ``watch``: reader and card events as they happen
"""

from __future__ import annotations

from collections.abc import Sequence

from readers.cli.diagnose import doctor, list_readers
from readers.cli.failures import explain
from readers.cli.read import read, trace
from readers.cli.toolkit import program, run
from readers.cli.watch import watch

PROG = "sscard-read"

cli = program(
    PROG,
    "Read social security cards in PC/SC or serial readers, or soft card files; trace the "
    "APDUs; watch readers; find out why no card is seen.\n\n"
    "Exit status: 0 done, 1 failed (no card, wrong PIN, card not genuine, reader or pcscd "
    "not there, a file missing), 2 a mistake in the command line.",
    explain,
    log_packages=("readers",),
)
for command in (list_readers, read, trace, watch, doctor):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sscard-read`` on ``argv`` (the process's arguments when None); its exit status."""
    return run(cli, argv, PROG)
