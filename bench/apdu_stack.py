"""Per-APDU cost of the ISO 7816 processor stack, in process, without a card or reader.

Run: .venv/bin/python bench/apdu_stack.py [--iterations N] [--repeats R]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

from readers.iso7816 import ApduProcessor, CommandApdu

SSSE_NAME = "sx1.sh.社会保障".encode("gbk")
SELECT_SSSE = CommandApdu(0x00, 0xA4, 0x04, 0x00, SSSE_NAME, le=256)
FCI = bytes.fromhex("6F 19 84 0F") + SSSE_NAME + bytes.fromhex("A5 06 9F 0C 03 86 01 03")
GET_RESPONSE_INS = 0xC0


class OkCard:
    """Answers every APDU with the FCI and 9000 (a T=1 or contactless card)."""

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        return FCI, 0x9000


class T0Card:
    """Answers a command with 61xx and GET RESPONSE with the FCI, as a T=0 card does."""

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if apdu[1] == GET_RESPONSE_INS:
            return FCI, 0x9000
        return b"", 0x6100 | len(FCI)


def time_direct_transmit(iterations: int) -> int:
    transmit = OkCard().transmit
    raw = SELECT_SSSE.to_bytes()
    start = time.perf_counter_ns()
    for _ in range(iterations):
        transmit(raw)
    return time.perf_counter_ns() - start


def time_send_ok_card(iterations: int) -> int:
    send = ApduProcessor(OkCard()).send
    start = time.perf_counter_ns()
    for _ in range(iterations):
        send(SELECT_SSSE)
    return time.perf_counter_ns() - start


def time_send_t0_card(iterations: int) -> int:
    send = ApduProcessor(T0Card()).send
    start = time.perf_counter_ns()
    for _ in range(iterations):
        send(SELECT_SSSE)
    return time.perf_counter_ns() - start


CASES: list[tuple[str, Callable[[int], int]]] = [
    ("baseline: transmit(pre-built bytes)", time_direct_transmit),
    ("ApduProcessor.send, card answers 9000", time_send_ok_card),
    ("ApduProcessor.send, T=0: 61xx + GET RESPONSE", time_send_t0_card),
]


def check_cards_answer_as_scripted() -> None:
    for card in (OkCard(), T0Card()):
        response = ApduProcessor(card).send(SELECT_SSSE)
        assert (response.data, response.sw) == (FCI, 0x9000), type(card).__name__


def median_us_per_apdu(run: Callable[[int], int], iterations: int, repeats: int) -> float:
    run(iterations // 10)  # the first calls pay for attribute caches; keep them out
    return statistics.median(run(iterations) for _ in range(repeats)) / iterations / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000, help="APDUs per repeat")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the median is shown")
    args = parser.parse_args()

    check_cards_answer_as_scripted()
    print(
        f"APDU stack, {args.iterations} APDUs x {args.repeats} repeats, median; "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    print(f"{'case':<48}{'µs/APDU':>10}{'ratio':>9}")
    baseline: float | None = None
    for name, run in CASES:
        us = median_us_per_apdu(run, args.iterations, args.repeats)
        baseline = baseline or us
        print(f"{name:<48}{us:>10.3f}{us / baseline:>8.1f}x")


if __name__ == "__main__":
    main()
