"""What ``sscard-keys`` prints on stdout: keys by label, version, algorithm, purpose and KCV.

A key's value never appears: people identify keys by their check value (KCV).
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich import box
from rich.console import Console
from rich.table import Table

from keys.store import KeyInfo

COLUMNS = ("Label", "Version", "Algorithm", "Purpose", "KCV")
# Wide enough that no row of a pipe or file is ever wrapped (labels are at most 64 characters).
_PLAIN_WIDTH = 200


def describe(info: KeyInfo) -> str:
    """One key for people: ``irk v1 (SM4, IRK), KCV 1A2B3C``."""
    return f"{info.ref} ({info.algorithm}, {info.purpose}), KCV {info.kcv.hex().upper()}"


def say(text: str) -> None:
    """A result line on stdout."""
    click.echo(text)


def key_table(infos: Sequence[KeyInfo], where: str) -> None:
    """The keys as a table: boxed on a terminal; on a pipe or file, one key per line in
    whitespace-separated columns under a header line (for ``awk`` and scripts)."""
    console = Console(highlight=False)
    terminal = console.is_terminal
    if not terminal:
        console = Console(highlight=False, width=_PLAIN_WIDTH, no_color=True)
    table = Table(
        *COLUMNS,
        title=f"Keys in {where}" if terminal else None,
        box=box.SIMPLE_HEAD if terminal else None,
        show_edge=terminal,
        pad_edge=terminal,
        header_style="bold" if terminal else "",
    )
    table.columns[1].justify = "right"
    for info in infos:
        table.add_row(
            info.label,
            str(info.version),
            info.algorithm.value,
            info.purpose.value,
            info.kcv.hex().upper(),
        )
    if terminal:
        console.print(table)
    else:
        with console.capture() as captured:
            console.print(table)
        click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))
    if not infos:
        click.echo(f"{where} holds no keys yet", err=True)
