"""``cardsvc import``: load a CSV file of residents or cards, whole or not at all.

The row-by-row report of a refused file is for the clerks who fix it, in Chinese
(docs/import-formats.md); what the operator reads on the terminal is English.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from cardsvc.cli.database import opened
from cardsvc.cli.shared import COUNT, Failed, command_settings, interruptible, system_audit
from cardsvc.cli.terminal import Task, progress
from cardsvc.imports.rows import CARD_COLUMNS, EMPLOYMENT_COLUMNS, RESIDENT_COLUMNS
from cardsvc.kit.progress import EVERY
from cardsvc.settings import Settings

if TYPE_CHECKING:
    from cardsvc.imports.rows import Problem
    from cardsvc.imports.service import ImportResult
    from cardsvc.kit.database import Database

KINDS = ("residents", "cards")  # what seed --from-csv loads, in this order


class ImportFailed(Failed):
    """The file was not imported; its problem report is written already."""


def write_report(problems: Sequence[Problem], out: TextIO, truncated: bool) -> None:
    """The problems, one CSV row each, for the clerks who fix the file (in Chinese)."""
    writer = csv.writer(out)
    writer.writerow(["行号(line)", "列(column)", "代码(code)", "说明(message)"])
    for problem in problems:
        writer.writerow([problem.line, problem.column, problem.code, problem.message])
    if truncated:
        writer.writerow(["", "", "too_many_problems", "错误过多，其余未列出"])


class _Metered:
    """The CSV records, telling a task how far into the file they are and how many rows
    (the header is not one) have been read.

    An iterator, not a generator: a record the CSV reader cannot parse raises through it
    and the importer goes on with the next one, where a generator would end.
    """

    def __init__(
        self, records: Iterator[list[str]], raw: io.BufferedReader, size: int, task: Task, kind: str
    ) -> None:
        self._records, self._raw, self._size = records, raw, size
        self._task, self._kind = task, kind
        self._count = -1

    def __iter__(self) -> _Metered:
        return self

    def __next__(self) -> list[str]:
        try:
            record = next(self._records)
        except StopIteration:
            self._task.show(self._size, self._size, count=max(self._count, 0))
            self._task.describe(f"checking the {self._kind}", pulse=True)
            raise
        self._count += 1
        if self._count % EVERY == 0:
            self._task.show(self._raw.tell(), self._size, count=self._count)
        return record


def _first_undecodable(path: Path) -> tuple[int, int]:
    """The line (from 1) and byte offset (from 0) of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    with path.open("rb") as raw:
        for chunk in iter(lambda: raw.read(1 << 16), b""):
            held = decoder.getstate()[0]  # an incomplete character from the chunk before
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as bad:
                position = offset - len(held) + bad.start
                data = (held + chunk)[: bad.start]
                return lines + data.count(b"\n") - held.count(b"\n") + 1, position
            lines += chunk.count(b"\n")
            offset += len(chunk)
    return lines + 1, offset  # an incomplete character at the end of the file


def load_file(
    database: Database,
    settings: Settings,
    kind: str,
    path: Path,
    *,
    max_problems: int = 1000,
    task: Task | None = None,
) -> ImportResult:
    """Import one file in one transaction; ``ImportRefusedError`` if anything is wrong,
    ``Failed`` if it is not UTF-8 text. ``task`` shows how far the reading has got."""
    from cardsvc.imports.service import import_cards, import_employment, import_residents
    from cardsvc.kit.types import utcnow

    load = {
        "residents": import_residents,
        "cards": import_cards,
        "employment": import_employment,
    }[kind]
    with path.open("rb") as raw:
        sha256 = hashlib.file_digest(raw, "sha256").hexdigest()  # what sha256sum prints
        size = raw.tell()
        raw.seek(0)
        with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text)
            records = reader if task is None else _Metered(reader, raw, size, task, kind)
            try:
                with database.unit_of_work() as session:
                    result = load(
                        session,
                        system_audit(session, settings),
                        records,
                        utcnow(),
                        sha256=sha256,
                        max_problems=max_problems,
                    )
            except UnicodeDecodeError:
                line, byte = _first_undecodable(path)
                raise Failed(
                    f"{path} is not UTF-8 text (line {line:,}, byte {byte:,}): save it as "
                    "'CSV UTF-8' and import it again; nothing was imported"
                ) from None
    if task is not None:
        task.describe(f"imported {result.rows:,} {kind}")
        task.finish()
    return result


def import_file(
    database: Database,
    settings: Settings,
    kind: str,
    path: Path,
    *,
    max_problems: int = 1000,
    report: Path | None = None,
) -> ImportResult:
    """``load_file`` with its progress drawn, and a refused file's report written to
    ``report`` (or standard output) before ``ImportFailed`` ends the command."""
    from cardsvc.imports.service import ImportRefusedError

    try:
        with (
            interruptible("nothing was imported (a file is imported whole or not at all)"),
            progress() as display,
        ):
            task = display.task(f"reading {path.name}", unit="rows")
            return load_file(database, settings, kind, path, max_problems=max_problems, task=task)
    except ImportRefusedError as refused:
        where = "on standard output"
        if report is None:
            write_report(refused.problems, sys.stdout, refused.truncated)
        else:
            with report.open("w", encoding="utf-8-sig", newline="") as out:
                write_report(refused.problems, out, refused.truncated)
            where = f"in {report}"
        more = " or more (checking stopped at --max-problems)" if refused.truncated else ""
        raise ImportFailed(
            f"{path} was refused for {len(refused.problems)} problem(s){more}; nothing was "
            f"imported. The report {where} lists them row by row for the clerks who fix the file"
        ) from None


@click.group("import", short_help="Load a CSV file of residents, cards or an employment ledger.")
def import_group() -> None:
    """Load a CSV file of residents, cards or an employment ledger, whole or not at all
    (docs/import-formats.md).

    A refused file changes nothing; its problems are listed row by row, in Chinese for
    the clerks who fix it, on standard output or in the --report file.
    """


def _import_command(kind: str, what: str) -> click.Command:
    @click.command(kind, help=what, short_help=f"Import a CSV file of {kind}.")
    @click.argument(
        "file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
    )
    @click.option(
        "--report",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        show_default="standard output",
        help="Write the problem report of a refused file here (CSV, UTF-8).",
    )
    @click.option(
        "--max-problems", type=COUNT, default=1000, help="Stop checking after this many problems."
    )
    def command(file: Path, report: Path | None, max_problems: int) -> None:
        settings = command_settings()
        with opened(settings) as database:
            started = time.perf_counter()
            result = import_file(
                database, settings, kind, file, max_problems=max_problems, report=report
            )
            elapsed = time.perf_counter() - started
        rate = result.rows / elapsed if elapsed else 0.0
        click.echo(f"imported {result.rows} {kind} in {elapsed:.1f} s ({rate:,.0f} rows/s)")

    return command


import_group.add_command(
    _import_command(
        "residents",
        f"Register the residents of FILE (columns: {', '.join(RESIDENT_COLUMNS)}).",
    )
)
import_group.add_command(
    _import_command(
        "cards",
        "Record the cards of FILE against their residents, imported before (columns: "
        f"{', '.join(CARD_COLUMNS)}).",
    )
)
import_group.add_command(
    _import_command(
        "employment",
        "Record the employment and unemployment registrations of an employment ledger kept "
        "before this service, against residents imported before (columns: "
        f"{', '.join(EMPLOYMENT_COLUMNS)}; kind 就业 or 失业; an empty ended_on keeps the "
        "registration open).",
    )
)
