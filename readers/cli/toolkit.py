"""What the ``sscard-read`` and ``sscard-sim`` command lines share (click, as ykman uses).

Exit codes, the same in every command:

- 0: done;
- 1: the command could not do its job: no card, wrong PIN, a card that is not genuine,
  a reader that is gone or not there, pcscd down, a missing or unreadable file. Raise
  ``Failure``, or let an exception through that the program's ``explain`` turns into
  one (a one-line message saying what was wrong and what to do, never a traceback);
- 2: the command line itself is wrong, whatever the machine holds: an unknown option, a
  missing or malformed value, options that exclude each other. Click reports these
  (``click.UsageError``, ``click.BadParameter``), and so do the commands' own checks.

``-v``/``--verbose`` is accepted before and after a subcommand (``verbosity_option`` on
the program and on every command); it logs the program's packages to stderr, INFO with
one ``-v``, DEBUG with two. Without it nothing is logged, warnings included: stderr holds
the command's own lines and at most one ``Error:`` line. Tables and progress bars use
rich, only when the stream they go to is a terminal: pipes and tests get plain lines.
``-V``/``--version`` shows the version.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

PACKAGE = "sscard"  # the distribution whose version --version shows
CONTEXT_SETTINGS: dict[str, Any] = {
    "show_default": True,
    "help_option_names": ["-h", "--help"],
    "max_content_width": 100,
}
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
_VERBOSITY = "sscard.verbosity"
_LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)
_SILENT = logging.CRITICAL + 1  # above every level: the handler's level without -v

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
Explain = Callable[[Exception], "str | None"]


class _PathOption(click.Path):
    """A path the command opens itself: a file missing or in the way is then a failure
    (exit 1) naming it, not a usage error, since the command line is right."""

    def __init__(self, metavar: str) -> None:
        super().__init__(path_type=Path, readable=False)
        self.metavar = metavar

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.metavar


FILE = _PathOption("FILE")
DIRECTORY = _PathOption("DIR")


class Failure(click.ClickException):
    """The command could not do its job (exit 1); the message says what to do about it."""

    exit_code = 1


class _StderrHandler(logging.Handler):
    """Log records to whatever ``sys.stderr`` is when they are emitted (tests swap it).

    It shows nothing until ``-v`` sets its level (``_count_verbosity``)."""

    def __init__(self) -> None:
        super().__init__(level=_SILENT)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:
            self.handleError(record)


class Program(click.Group):
    """A command's root group.

    ``explain`` turns an exception of the layers below into the message of a ``Failure``
    (exit 1), or returns None for one it does not know (a bug: its traceback shows).
    ``log_packages`` are the loggers ``-v`` turns up.
    """

    def __init__(
        self, *args: Any, explain: Explain, log_packages: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.explain = explain
        self.log_packages = tuple(log_packages)
        self.log_handler = _StderrHandler()
        self.log_handler.setFormatter(logging.Formatter(LOG_FORMAT))

    def main(self, *args: Any, **kwargs: Any) -> Any:
        loggers = [logging.getLogger(name) for name in self.log_packages]
        levels = [logger.level for logger in loggers]
        handler = self.log_handler
        handler.setLevel(_SILENT)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            return super().main(*args, **kwargs)
        finally:
            root.removeHandler(handler)
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click reports these itself (a closed pipe: quietly)
        except Exception as exc:
            message = self.explain(exc)
            if message is None:
                raise
            logging.getLogger(__name__).debug("the command failed", exc_info=True)
            raise Failure(message) from exc


def program(name: str, help_text: str, explain: Explain, log_packages: Sequence[str]) -> Program:
    """A root group with ``-V``/``--version``, ``-v`` and ``-h``; add commands to it."""

    @click.group(
        name=name,
        cls=Program,
        help=help_text,
        context_settings=CONTEXT_SETTINGS,
        explain=explain,
        log_packages=log_packages,
    )
    @click.version_option(None, "-V", "--version", package_name=PACKAGE, prog_name=name)
    @verbosity_option
    def root() -> None:
        pass

    return root


def run(root: click.Group, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run ``root`` on ``argv`` (the process's arguments when None); the exit status."""
    try:
        root.main(args=None if argv is None else list(argv), prog_name=prog_name)
    except SystemExit as stop:
        if stop.code is None:
            return 0
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def _count_verbosity(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if not value:
        return
    verbosity = ctx.meta.get(_VERBOSITY, 0) + value  # meta is shared by the whole command
    ctx.meta[_VERBOSITY] = verbosity
    root = ctx.find_root().command
    level = _LEVELS[min(verbosity, len(_LEVELS) - 1)]
    if isinstance(root, Program):
        root.log_handler.setLevel(level)
        for name in root.log_packages:
            logging.getLogger(name).setLevel(level)


def verbosity_option(function: F) -> F:
    """``-v``/``--verbose``, counted over the program and its subcommand."""
    return click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_count_verbosity,
        show_default=False,
        help="Log what happens to stderr: -v the steps, -vv the details too (each APDU, with "
        "PINs and personal data masked). Before or after the subcommand.",
    )(function)


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def stderr_is_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


def ask_secret(prompt: str, option: str, metavar: str) -> str:
    """A hidden prompt for a secret the command line asked for without giving it.

    Without a terminal on stdin nobody can answer: a usage error that says to give the
    option its value instead (never a hang on a pipe, never a traceback).
    """
    if not stdin_is_terminal():
        raise click.UsageError(
            f"{option} was given without a value and there is no terminal to ask for it: "
            f"pass {option} {metavar}"
        )
    return str(click.prompt(prompt, hide_input=True))


def progress(items: Iterable[T], *, total: int, description: str) -> Iterator[T]:
    """``items``, with a progress bar on stderr (done/total, rate, time left) when stderr
    is a terminal; otherwise just ``items``."""
    if not stderr_is_terminal():
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TimeRemainingColumn,
    )

    columns = (
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        yield from bar.track(items, total=total, description=description)


def show_table(headers: Sequence[str], rows: Sequence[Sequence[str]], plain: Sequence[str]) -> None:
    """``rows`` as a table on a terminal; otherwise the ``plain`` lines (for pipes, scripts)."""
    if not stdout_is_terminal():
        for line in plain:
            click.echo(line)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def require_parent(path: Path) -> None:
    """A failure unless the directory ``path`` goes into exists: commands make the file or
    directory they are asked for, never a missing directory above it (a mistyped path would
    otherwise leave a tree of directories behind)."""
    parent = path.parent
    if not parent.is_dir():
        missing = "is not a directory" if parent.exists() else "does not exist"
        raise Failure(
            f"cannot write {path}: the directory {parent} {missing}; make it first, or give "
            "a path in an existing directory"
        )


@contextlib.contextmanager
def writing(path: object) -> Iterator[None]:
    """An ``OSError`` inside (a temporary file's, say) as a failure naming ``path``."""
    try:
        yield
    except OSError as exc:
        raise Failure(f"cannot write {path}: {exc.strerror or exc}") from exc
