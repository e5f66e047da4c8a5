"""Card inserted → event delivered to the application, against a bare SCardGetStatusChange loop.

Needs pcscd with vsmartcard-vpcd (started here when root). A soft card is inserted into
and removed from "Virtual PCD 00 00" N times by an ``sscard-sim vpcd`` process (driven
over its control socket). In this process, on the same reader and in the same run:

- bare: a thread blocking in pyscard's SCardGetStatusChange on that reader, noting when
  it sees the card present with a new event counter;
- ours: a thread consuming ``PcscBackend.events`` (the monitor thread + queue), noting
  when ``CardInserted`` arrives.

"added" is ours minus bare for the same insertion: what our layer costs. The time from
the insert command to the bare loop is pcscd's own polling of vpcd (up to ~400 ms), not ours.

Run: .venv/bin/python bench/card_events.py [--insertions N]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from readers.connection import CardInserted
from readers.pcsc import PcscBackend, codes
from readers.pcsc.api import PyscardApi
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.pcscd import claim_pcscd, ensure_pcscd
from simulators.population import generate_population, make_personalisation
from simulators.vpcd import READER_NAMES
from simulators.vpcd_control import send_command

READER = READER_NAMES[0]


def bare_loop(stop: threading.Event, seen: queue.Queue[tuple[int, int]]) -> None:
    scard = PyscardApi()._scard  # the raw binding, as a minimal program would use it
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    state = 0
    while not stop.is_set():
        code, states = scard.SCardGetStatusChange(context, 200, [(READER, state)])
        if code != 0:
            continue
        _, event_state, _ = states[0]
        if event_state & codes.STATE_PRESENT and not state & codes.STATE_PRESENT:
            seen.put((codes.event_counter(event_state), time.perf_counter_ns()))
        state = event_state & ~codes.STATE_CHANGED
    scard.SCardReleaseContext(context)


def our_loop(stop: threading.Event, seen: queue.Queue[tuple[int, int]]) -> None:
    for event in PcscBackend().events(stop):
        if isinstance(event, CardInserted) and event.reader == READER:
            seen.put((event.event_counter, time.perf_counter_ns()))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--insertions", type=int, default=30)
    args = parser.parse_args()
    ensure_pcscd()
    claim_pcscd()
    with tempfile.TemporaryDirectory() as folder:
        card_file = Path(folder) / "card.json"
        control = Path(folder) / "control.sock"
        resident = generate_population(1, seed=9, generations=("3.00",))[0]
        save_card(SoftSocialSecurityCard.personalised(make_personalisation(resident)), card_file)
        relay = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "simulators.cli", "vpcd", "--control", str(control)],
            stdin=subprocess.PIPE,
            text=True,
        )
        stop = threading.Event()
        bare: queue.Queue[tuple[int, int]] = queue.Queue()
        ours: queue.Queue[tuple[int, int]] = queue.Queue()
        threads = [
            threading.Thread(target=bare_loop, args=(stop, bare), daemon=True),
            threading.Thread(target=our_loop, args=(stop, ours), daemon=True),
        ]
        try:
            while not control.exists():
                time.sleep(0.05)
            for thread in threads:
                thread.start()
            time.sleep(0.5)
            added_ms, polling_ms = [], []
            for _ in range(args.insertions):
                sent = time.perf_counter_ns()
                send_command(control, f"insert {card_file}")
                counter, bare_at = bare.get(timeout=10)
                our_counter, ours_at = ours.get(timeout=10)
                assert our_counter == counter, (our_counter, counter)
                added_ms.append((ours_at - bare_at) / 1e6)
                polling_ms.append((bare_at - sent) / 1e6)
                send_command(control, "remove")
        finally:
            stop.set()
            relay.communicate("quit\n", timeout=10)
    print(f"card inserted → event, {args.insertions} insertions through pcscd + vpcd:")
    print(
        f"  added by our monitor + queue: p50 {statistics.median(added_ms):.2f} ms, "
        f"p95 {percentile(added_ms, 0.95):.2f} ms, max {max(added_ms):.2f} ms"
    )
    print(
        f"  pcscd's own detection (insert command → bare loop): p50 "
        f"{statistics.median(polling_ms):.0f} ms, p95 {percentile(polling_ms, 0.95):.0f} ms"
    )


if __name__ == "__main__":
    main()
