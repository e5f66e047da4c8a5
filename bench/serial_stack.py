"""Per-APDU cost of the serial reader stack, against the wire time at the line's baud rate.

One soft T=1 card answers SELECT SSSE (21-byte command, 27-byte FCI + 9000) through:
the in-process virtual reader (no serial stack at all); ``SerialReaderBackend`` over
``sim://`` (codec, link and backend, no OS); and ``SerialReaderBackend`` over a pty (the
same plus a real tty and the simulator's thread). A pty moves bytes as fast as the CPU
does, whatever the baud rate, so the theoretical wire time of the same frames at the
chosen baud rate (10 bits a byte: command frame + ACK + reply frame) is printed beside
it: on a real line that is what the exchange costs on top of the software.

Run: .venv/bin/python bench/serial_stack.py [--iterations N] [--repeats R] [--baud B]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from readers.connection import CardConnection
from readers.serial.backend import SerialReaderBackend
from readers.serial.codec import encode_frame
from readers.serial.link import Timing
from readers.serial.messages import Command, Status, command_frame, reply_frame
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.serial.engine import SerialReaderSimulator
from simulators.serial.protocol_sim import SimUrlSerialReader
from simulators.serial.pty_reader import PtySerialReader
from simulators.virtual_reader import DEFAULT_READER, VirtualReaderBackend

SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
FCI = bytes.fromhex("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860103")


def soft_card() -> SoftSocialSecurityCard:
    resident = generate_population(1, seed=1, generations=("3.00",))[0]
    return SoftSocialSecurityCard.personalised(make_personalisation(resident), protocol="T1")


def time_apdus(connection: CardConnection, iterations: int) -> int:
    transmit = connection.transmit
    start = time.perf_counter_ns()
    for _ in range(iterations):
        transmit(SELECT_SSSE)
    return time.perf_counter_ns() - start


def median_us(connection: CardConnection, iterations: int, repeats: int) -> float:
    assert connection.transmit(SELECT_SSSE) == (FCI, 0x9000)
    time_apdus(connection, max(1, iterations // 10))  # warm-up
    runs = [time_apdus(connection, iterations) for _ in range(repeats)]
    return statistics.median(runs) / iterations / 1000


def wire_us(baudrate: int) -> float:
    command = encode_frame(command_frame(1, Command.APDU, SELECT_SSSE))
    reply = encode_frame(reply_frame(1, Command.APDU, Status.OK, FCI + b"\x90\x00"))
    return Timing(baudrate, timeout=0).wire_time(len(command) + 1 + len(reply)) * 1e6


def run_cases(iterations: int, repeats: int, baudrate: int) -> list[tuple[str, float]]:
    virtual = VirtualReaderBackend()
    virtual.insert(DEFAULT_READER, soft_card())
    sim = SimUrlSerialReader(SerialReaderSimulator(soft_card()))
    pty = PtySerialReader(SerialReaderSimulator(soft_card()))
    results: list[tuple[str, float]] = []
    try:
        with virtual.connect(DEFAULT_READER) as connection:
            us = median_us(connection, iterations, repeats)
            results.append(("in-process virtual reader", us))
        cases = [
            ("serial backend over sim://", sim.url),
            (f"serial backend over a pty ({baudrate} baud set)", pty.path),
        ]
        for name, url in cases:
            with (
                SerialReaderBackend(url, baudrate=baudrate) as backend,
                backend.connect(url) as connection,
            ):
                results.append((name, median_us(connection, iterations, repeats)))
    finally:
        sim.unplug()
        pty.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2_000, help="APDUs per repeat")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the median is shown")
    parser.add_argument("--baud", type=int, default=115200, help="baud rate (wire time)")
    args = parser.parse_args()

    print(
        f"Serial stack, SELECT SSSE on a soft T=1 card, {args.iterations} APDUs x "
        f"{args.repeats} repeats, median; Python {platform.python_version()} "
        f"on {platform.machine()}"
    )
    print(f"{'case':<48}{'µs/APDU':>10}{'ratio':>9}")
    results = run_cases(args.iterations, args.repeats, args.baud)
    baseline = results[0][1]
    for name, us in results:
        print(f"{name:<48}{us:>10.1f}{us / baseline:>8.1f}x")
    wire, name = wire_us(args.baud), f"wire time of the frames at {args.baud} baud"
    print(f"{name:<48}{wire:>10.1f}{wire / baseline:>8.1f}x")


if __name__ == "__main__":
    main()
