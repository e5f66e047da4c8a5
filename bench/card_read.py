"""One identification read of a soft card in process: APDUs, time, and the host's share.

For each protocol (T=0, T=1) it reads a 3.00 card through the in-process virtual reader
with ``SocialSecurityCardSession`` (SELECT SSSE, EF05, EF06, photo), records the APDUs the
session sent, then replays exactly those APDU bytes straight into a fresh card's
``execute`` as the baseline. The ratio is what the host side (session, processors,
parsing, virtual reader) costs on top of the card simulator doing the same work.

    .venv/bin/python bench/card_read.py [--reads N] [--repeats R]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from readers.card.session import SocialSecurityCardSession
from readers.connection import Protocol_
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.virtual_reader import DEFAULT_READER, VirtualReaderBackend


def full_read(backend: VirtualReaderBackend) -> None:
    with backend.connect(DEFAULT_READER) as connection:
        session = SocialSecurityCardSession(connection)
        session.read_card_info()
        session.read_holder()
        session.read_photo()


def median_seconds(action: object, reads: int, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(reads):
            action()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / reads)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    personalisation = make_personalisation(
        generate_population(1, seed=11, generations=("3.00",))[0]
    )
    print(
        f"full identification read of a 3.00 card, in process; {args.reads} reads x "
        f"{args.repeats} repeats, median; "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    print(f"photo {len(personalisation.photo)} bytes")
    print(f"{'protocol':<9}{'APDUs':>6}{'session ms':>12}{'raw card ms':>13}{'ratio':>8}")
    protocol: Protocol_
    for protocol in ("T0", "T1"):
        card = SoftSocialSecurityCard.personalised(personalisation, protocol=protocol)
        backend = VirtualReaderBackend()
        backend.insert(DEFAULT_READER, card)
        full_read(backend)
        apdus = backend.commands(DEFAULT_READER)
        raw_card = SoftSocialSecurityCard.personalised(personalisation, protocol=protocol)
        raw_card.power_on()

        def replay(card: SoftSocialSecurityCard = raw_card, apdus: list[bytes] = apdus) -> None:
            for apdu in apdus:
                card.execute(apdu)

        session_s = median_seconds(lambda b=backend: full_read(b), args.reads, args.repeats)
        raw_s = median_seconds(replay, args.reads, args.repeats)
        print(
            f"{protocol:<9}{len(apdus):>6}{session_s * 1e3:>12.3f}{raw_s * 1e3:>13.3f}"
            f"{session_s / raw_s:>7.2f}x"
        )


if __name__ == "__main__":
    main()
