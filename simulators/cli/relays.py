"""``sscard-sim vpcd`` and ``sscard-sim serial``: soft cards in readers, until stopped."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from pathlib import Path

import click

from readers.cli.toolkit import FILE, verbosity_option
from simulators.serial.serve import serve_serial
from simulators.vpcd import READER_NAMES, SLOT_PORTS, VpcdSlot
from simulators.vpcd_control import ControlPanel, serve_control_socket

VPCD_HELP = f"""Put a soft card or PSAM into the running pcscd (vsmartcard's vpcd driver).

Relays the card until stopped (Ctrl-C, SIGTERM or 'quit'). pcscd must be running with
Debian's vsmartcard-vpcd installed; the card appears in reader "{READER_NAMES[0]}"
(--slot 0) or "{READER_NAMES[1]}" (--slot 1). A FILE is a soft card (sscard-sim card
create) or a soft PSAM (sscard-sim psam create). A window runs two relays, each in its
own terminal, the resident's card in slot 0 and the terminal's PSAM in slot 1:

\b
  sscard-sim vpcd --card card.json
  sscard-sim vpcd --slot 1 --card psam.json
  sscard-read read --reader 0 --psam-reader 1

Commands, one per line on standard input or, with --control PATH, one per connection
to that Unix socket (e.g. echo "swap other.json" | socat - UNIX-CONNECT:PATH), each
answered with one line starting "ok" or "error":

\b
  insert FILE   put the soft card or PSAM saved in FILE into the (empty) reader
  remove        take the card out
  swap FILE     take the card out and insert the card or PSAM in FILE
  status        what is in the reader
  quit          stop
"""

SERIAL_HELP = """A simulated serial window reader on a pty.

Serves the project's serial reader protocol (docs/serial-reader-protocol.md) on a new
pty until stopped, and prints the pty's path: open it as a serial port, e.g. with
sscard-read read --serial PATH.

\b
Commands, one per line on standard input:
  insert FILE   put the soft card saved in FILE into the reader
  remove        take the card out
  quit          stop
"""


def _read_commands(panel: ControlPanel) -> None:
    for line in sys.stdin:
        click.echo(panel.handle(line))
        if panel.stop.is_set():
            return


@click.command(help=VPCD_HELP, short_help="A soft card or PSAM in pcscd, until stopped.")
@click.option("--card", type=FILE, help="A soft card or soft PSAM file to insert at start.")
@click.option(
    "--slot",
    type=click.IntRange(0, 1),
    default=0,
    metavar="0|1",
    help=f"0: {READER_NAMES[0]!r} (port {SLOT_PORTS[0]}), "
    f"1: {READER_NAMES[1]!r} (port {SLOT_PORTS[1]}).",
)
@click.option(
    "--control",
    type=FILE,
    metavar="PATH",
    help="Also take commands on a Unix socket made at PATH.",
)
@verbosity_option
def vpcd(card: Path | None, slot: int, control: Path | None) -> None:
    relay = VpcdSlot(slot)
    panel = ControlPanel(relay)
    try:
        if card is not None:
            panel.insert_file(card)
        if control is not None:
            serve_control_socket(control, panel)
        threading.Thread(target=_read_commands, args=(panel,), daemon=True).start()
        signal.signal(signal.SIGTERM, lambda *_: panel.stop.set())
        click.echo(
            f"sscard-sim: relaying {relay.reader} (port {relay.port}); Ctrl-C stops", err=True
        )
        if card is not None and not relay.wait_connected(2.0):
            click.echo(f"sscard-sim: waiting for pcscd on port {relay.port}", err=True)
        with contextlib.suppress(KeyboardInterrupt):
            panel.stop.wait()
    finally:
        relay.close()


@click.command(help=SERIAL_HELP)
@click.option("--card", type=FILE, help="A soft card file to insert at start.")
@verbosity_option
def serial(card: Path | None) -> None:
    serve_serial(card)
