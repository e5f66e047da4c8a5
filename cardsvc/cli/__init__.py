"""``cardsvc``: the one-card service's command line (click).

One module per command group (``serve``, ``schema`` for migrate, ``audit``, ``clerks``,
``cards``, ``imports``, ``seed``); ``shared`` holds the settings, errors and counts they
all use, ``database`` opens the command's database, ``terminal`` draws progress, tables
and logs, ``environment`` describes the settings for the help. Services are called
through the same unit of work as the API's, and report progress through
``cardsvc.kit.progress``.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import click

from cardsvc.cli import audit, cards, clerks, imports, schema, seed, serve
from cardsvc.cli.environment import variables
from cardsvc.cli.shared import Failed
from cardsvc.cli.terminal import verbose_option

EXIT_STATUSES = [
    ("0", "done"),
    (
        "1",
        "the work failed: a refused import, a broken audit chain, a database that is "
        "missing or cannot be reached, Ctrl-C (the message says what was kept)",
    ),
    (
        "2",
        "wrong usage: an unknown option, a missing file, a bad value; or a wrong setting "
        "in the environment, such as the demo secrets on a real database",
    ),
]


def _version() -> str:
    try:
        return version("sscard")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class _Cardsvc(click.Group):
    """The root command: its help ends with the environment and the exit statuses."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Environment (settings of every command and of the service)"):
            formatter.write_dl(variables())
        with formatter.section("Exit status"):
            formatter.write_dl(EXIT_STATUSES)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Failed("interrupted") from None
        except OSError as error:  # a file the command reads or writes: missing, denied, full
            if error.errno == errno.EPIPE:  # a reader of the output that stopped: click copes
                raise
            where = f": {error.filename}" if error.filename else ""
            raise Failed(f"{error.strerror or error}{where}") from None


@click.group(
    "cardsvc",
    cls=_Cardsvc,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
@click.version_option(_version(), "-V", "--version", prog_name="cardsvc")
def cli() -> None:
    """The one-card service: serve its API, keep its database, import and seed residents
    and cards, manage clerks, check the audit trail.

    Every command reads its settings from the environment (below). Long work shows its
    progress when standard error is a terminal, and ends with a one-line summary.
    """


def _register(group: click.Group, commands: Sequence[click.Command]) -> None:
    """Add ``commands`` to ``group``, each command (not group) taking -v as well."""
    for command in commands:
        if isinstance(command, click.Group):
            _register(command, list(command.commands.values()))
        else:
            command.params.append(verbose_option())
        group.add_command(command)


cli.params.append(verbose_option())
_register(
    cli,
    [
        serve.serve,
        schema.migrate,
        seed.seed,
        imports.import_group,
        clerks.clerks,
        cards.cards,
        audit.audit,
    ],
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cardsvc`` with ``argv`` (default: the process's arguments); its exit status."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="cardsvc")
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0
