"""Per-APDU cost of our PC/SC stack against raw pyscard, and a full identification read.

Needs pcscd with vsmartcard-vpcd (started here when root); a soft T=0 card is relayed
into "Virtual PCD 00 00" by ``sscard-sim vpcd`` in its own process (as a real card is
outside the application: no shared GIL). In one run, on the same reader and card:

- raw: pyscard's ``SCardTransmit`` of pre-built READ RECORD bytes on a handle
  connected once (no transaction, no processing);
- stack: ``PcscConnection`` + ``ApduProcessor.send`` of the same command, inside one
  held transaction (how a read runs), and with a transaction per APDU (the default);
- a full identification read (SELECT SSSE, EF05, EF06, photo): APDUs and wall time.

Run: .venv/bin/python bench/pcsc_stack.py [--iterations N] [--repeats R] [--rounds K]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from readers.card.session import SocialSecurityCardSession
from readers.iso7816 import ApduProcessor, CommandApdu
from readers.pcsc import PcscBackend
from readers.pcsc.api import PyscardApi
from readers.trace import TracingTransmitter
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.pcscd import claim_pcscd, ensure_pcscd
from simulators.population import generate_population, make_personalisation
from simulators.vpcd import READER_NAMES

READ_EF05_CARD_TYPE = CommandApdu(0x00, 0xB2, 0x02, 0x2C, le=3)


def median_us(run: Callable[[int], int], iterations: int, repeats: int) -> float:
    return statistics.median(run(iterations) / iterations / 1000 for _ in range(repeats))


@contextmanager
def relayed_card(seed: int, slot: int = 0) -> Iterator[str]:
    """A soft T=0 3.00 card in vpcd ``slot``, relayed by an ``sscard-sim vpcd`` process."""
    resident = generate_population(1, seed=seed, generations=("3.00",))[0]
    card = SoftSocialSecurityCard.personalised(make_personalisation(resident), protocol="T0")
    with tempfile.TemporaryDirectory() as folder:
        card_file = Path(folder) / "card.json"
        save_card(card, card_file)
        relay = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "simulators.cli",
                "vpcd",
                "--card",
                str(card_file),
                "--slot",
                str(slot),
            ],
            stdin=subprocess.PIPE,
            text=True,
        )
        try:
            yield READER_NAMES[slot]
        finally:
            relay.communicate("quit\n", timeout=10)


def wait_present(backend: PcscBackend, reader: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            backend.connect(reader).close()
            return
        except Exception:
            time.sleep(0.05)
    raise SystemExit(f"no card appeared in {reader}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ensure_pcscd()
    claim_pcscd()
    backend = PcscBackend()
    with relayed_card(seed=7) as reader:
        wait_present(backend, reader)
        with backend.connect(reader) as connection:
            processor = ApduProcessor(connection)
            processor.send(CommandApdu(0x00, 0xA4, 0x04, 0x00, "sx1.sh.社会保障".encode("gbk")))
            raw_bytes = READ_EF05_CARD_TYPE.to_bytes()
            scard = PyscardApi()._scard  # the raw binding, as another program would use it
            handle, protocol = connection._card, connection._active

            def raw(n: int) -> int:
                start = time.perf_counter_ns()
                for _ in range(n):
                    scard.SCardTransmit(handle, protocol, list(raw_bytes))
                return time.perf_counter_ns() - start

            def stack_in_transaction(n: int) -> int:
                with connection.transaction():
                    start = time.perf_counter_ns()
                    for _ in range(n):
                        processor.send(READ_EF05_CARD_TYPE)
                    return time.perf_counter_ns() - start

            def stack_per_apdu_transaction(n: int) -> int:
                start = time.perf_counter_ns()
                for _ in range(n):
                    processor.send(READ_EF05_CARD_TYPE)
                return time.perf_counter_ns() - start

            results = {}
            for _ in range(args.rounds):  # interleaved, so drift hits every case alike
                for name, run in (
                    ("raw SCardTransmit", raw),
                    ("stack, held transaction", stack_in_transaction),
                    ("stack, transaction per APDU", stack_per_apdu_transaction),
                ):
                    results.setdefault(name, []).append(
                        median_us(run, args.iterations, args.repeats)
                    )
            base = min(results["raw SCardTransmit"])
            print(
                f"per-APDU over pcscd + vpcd (best of {args.rounds} rounds of the median of "
                f"{args.repeats} x {args.iterations}):"
            )
            for name, values in results.items():
                print(f"  {name:30s} {min(values):8.1f} µs  {min(values) / base:5.2f}x")

        reads = []
        for _ in range(10):
            apdus: list[str] = []
            start = time.perf_counter()
            with backend.connect(reader) as connection, connection.transaction():
                session = SocialSecurityCardSession(TracingTransmitter(connection, apdus.append))
                session.read_card_info()
                session.read_holder()
                session.read_photo()
            reads.append((time.perf_counter() - start, len(apdus) // 2))
        wall = statistics.median(seconds for seconds, _ in reads)
        print(
            f"full identification read through pcscd: {reads[0][1]} APDUs, "
            f"median {wall * 1000:.1f} ms (connect to close, 10 reads)"
        )


if __name__ == "__main__":
    main()
