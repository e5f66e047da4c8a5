"""What a command shows on the operator's terminal (rich): progress, tables and logs.

Progress is drawn only when standard error is a terminal; elsewhere (a pipe, a log
file, the tests) nothing is drawn and the command prints a one-line summary when it is
done. Services know nothing of this: they report through ``cardsvc.kit.progress``'s
``on_progress(done, total)``, which a ``Task`` here is.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Task as RichTask
from rich.table import Column, Table
from rich.text import Text


def stderr_console() -> Console:
    """The one console on standard error of this command (progress and logs share it)."""
    meta = click.get_current_context().find_root().meta
    console: Console | None = meta.get("cardsvc.console")
    if console is None or console.file is not sys.stderr:  # a test may swap stderr
        console = meta["cardsvc.console"] = Console(file=sys.stderr)
    return console


class _Count(ProgressColumn):
    """How many units are done and how many a second, e.g. "120,000 rows 9,800/s"."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=True))

    def render(self, task: RichTask) -> Text:
        unit, count, rate = (task.fields.get(name) for name in ("unit", "count", "rate"))
        if not unit or count is None:
            return Text("")
        return Text(f"{count:,} {unit} {rate or 0:,.0f}/s", style="progress.data.speed")


class Task:
    """One piece of long work on the display; calling it reports ``(done, total)`` units."""

    def __init__(self, progress: Progress, task_id: TaskID) -> None:
        self._progress, self._id = progress, task_id
        self.done = 0  # units done so far, for the summary line
        self._started = time.monotonic()

    def __call__(self, done: int, total: int | None = None) -> None:
        self.show(done, total, count=done)

    def show(self, completed: float, total: float | None, *, count: int) -> None:
        """Place the bar at ``completed`` of ``total`` (any measure, bytes read for
        instance) and show ``count`` units done with their rate."""
        self.done = count
        elapsed = time.monotonic() - self._started
        rate = count / elapsed if elapsed > 0 else 0.0
        self._progress.update(self._id, completed=completed, total=total, count=count, rate=rate)

    def describe(self, description: str, *, pulse: bool = False) -> None:
        """Say what is being done now; ``pulse``: its length is not known (a moving bar)."""
        if pulse:
            self._progress.update(self._id, description=description, total=None)
        else:
            self._progress.update(self._id, description=description)

    def finish(self) -> None:
        task = self._progress.tasks[self._progress.task_ids.index(self._id)]
        self._progress.update(self._id, total=task.completed or 1, completed=task.completed or 1)


class Display:
    """The progress bars of one phase of a command."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def task(self, description: str, *, total: int | None = None, unit: str = "") -> Task:
        task_id = self._progress.add_task(description, total=total, unit=unit, count=None)
        return Task(self._progress, task_id)


@contextmanager
def progress() -> Iterator[Display]:
    """Bars for long work, drawn on standard error while the block runs (on a terminal).

    Print nothing to standard output inside the block: when both are the same terminal,
    the lines would tear the bars. Print after it.
    """
    console = stderr_console()
    bars = Progress(
        SpinnerColumn(),
        TextColumn(
            "{task.description}",
            table_column=Column(no_wrap=True, overflow="ellipsis", max_width=32),
        ),
        BarColumn(bar_width=20),
        TaskProgressColumn(),
        _Count(),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    with bars:
        yield Display(bars)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Rows on standard output: a drawn table on a terminal, tab-separated lines elsewhere
    (for scripts: one row a line, the header first)."""
    console = Console(file=sys.stdout)
    if not console.is_terminal:
        for row in (headers, *rows):
            click.echo("\t".join(row))
        return
    drawn = Table(*headers, header_style="bold")
    for row in rows:
        drawn.add_row(*row)
    console.print(drawn)


# Loggers shown by -v (INFO) and -vv (DEBUG). SQLAlchemy's engine logs statements at INFO
# with their parameters hidden (kit.database); it is never set to DEBUG, which logs rows.
_OWN = ("cardsvc", "alembic")


def configure_logging(verbosity: int) -> Callable[[], None]:
    """Logs on standard error: INFO with -v, DEBUG with -vv (and the SQL statements,
    without their parameters); without -v Python's own last resort shows warnings.
    Returns what undoes it when the command ends."""
    console = stderr_console()
    handler: logging.Handler
    if console.is_terminal:
        handler = RichHandler(console=console, show_path=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in _OWN]
    if verbosity >= 2:
        loggers.append(logging.getLogger("sqlalchemy.engine"))
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        own = logger.name in _OWN and verbosity >= 2
        logger.setLevel(logging.DEBUG if own else logging.INFO)

    plugins = logging.getLogger("alembic.runtime.plugins")  # a line per plugin, every command
    plugins_level = plugins.level
    plugins.setLevel(logging.WARNING)

    def undo() -> None:
        plugins.setLevel(plugins_level)
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)

    return undo


def _verbose(ctx: click.Context, _param: click.Parameter, count: int) -> None:
    """-v counts wherever it is given (``cardsvc -v import -v …`` is -vv)."""
    if not count:
        return
    meta = ctx.find_root().meta
    if "cardsvc.verbose" not in meta:
        ctx.find_root().call_on_close(lambda: meta.pop("cardsvc.logging")())
    else:
        meta["cardsvc.logging"]()  # set up again, with the new count
    meta["cardsvc.verbose"] = meta.get("cardsvc.verbose", 0) + count
    meta["cardsvc.logging"] = configure_logging(meta["cardsvc.verbose"])


def verbose_option() -> click.Option:
    """-v/--verbose, for the root command and every command under it."""
    return click.Option(
        ["-v", "--verbose"],
        count=True,
        expose_value=False,
        callback=_verbose,
        show_default=False,
        help="Log what is done on standard error: -v for steps, -vv for details and SQL "
        "statements (never their values: no personal data). Taken before or after the "
        "command.",
    )


def verbosity() -> int:
    """How many -v the command was given, wherever they were."""
    count: int = click.get_current_context().find_root().meta.get("cardsvc.verbose", 0)
    return count
