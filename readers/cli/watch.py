"""``sscard-read watch``: reader and card events as they happen, as ``pcsc_scan`` shows them.

The events are the PC/SC backend's own stream (``ReaderBackend.events``: the present
state first, then each change), one line each on stdout, after the local time::

    10:41:07 reader added: Virtual PCD 00 00
    10:41:09 card inserted: Virtual PCD 00 00, event 3, ATR 3B 6D 00 00 …
    10:41:12 card removed: Virtual PCD 00 00, event 3
    10:41:20 pcscd unavailable: SCARD_E_NO_SERVICE (waiting for it to come back)

The event number is the reader's event counter (pcsc-lite counts insertions and
removals): a removal names the card of the insertion with the same number. Ctrl-C (or
SIGTERM) stops it, exit 0.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import click

from readers.backends import open_backend
from readers.cli.selection import choose_reader, reader_option
from readers.cli.toolkit import verbosity_option
from readers.connection import (
    CardInserted,
    CardRemoved,
    ReaderAdded,
    ReaderEvent,
    ReaderRemoved,
    ServiceDown,
    ServiceUp,
)

PCSC_BACKEND = "pcsc"


def describe(event: ReaderEvent) -> str:
    """One event as a line (without the time)."""
    match event:
        case ReaderAdded(reader):
            return f"reader added: {reader}"
        case ReaderRemoved(reader):
            return f"reader removed: {reader}"
        case CardInserted(reader, counter, atr):
            return f"card inserted: {reader}, event {counter}, ATR {atr.hex(' ').upper()}"
        case CardRemoved(reader, counter):
            return f"card removed: {reader}, event {counter}"
        case ServiceDown(reason):
            return f"pcscd unavailable: {reason} (waiting for it to come back)"
        case ServiceUp():
            return "pcscd available again"
    raise AssertionError(f"unknown reader event {event!r}")


def _reader_of(event: ReaderEvent) -> str | None:
    return None if isinstance(event, ServiceDown | ServiceUp) else event.reader


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set ``stop`` instead of interrupting (the stream then ends)."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command(short_help="Reader and card events as they happen.")
@reader_option(
    help_text="Show only this reader's events: its number, as the list command shows it, "
    "or a part of its name only it has. Default: every reader."
)
@verbosity_option
def watch(reader: str | None) -> None:
    """Show PC/SC reader and card events live (as pcsc_scan does) until Ctrl-C."""
    backend = open_backend(PCSC_BACKEND)
    only = choose_reader(backend.list_readers(), reader) if reader is not None else None
    stop = threading.Event()
    scope = only or "every PC/SC reader"
    click.echo(f"sscard-read: watching {scope}; Ctrl-C stops", err=True)
    with _stopped_by_signals(stop):
        for event in backend.events(stop):
            if only is not None and _reader_of(event) not in (only, None):
                continue
            click.echo(f"{time.strftime('%H:%M:%S')} {describe(event)}")
