"""Added cost of the genuine-card check to one identification read, in APDUs and time.

For 2.00 (3DES) and 3.00 (SM4) cards, T=0 and T=1, it times ``identify`` in process
through the virtual reader:

- unchecked: ``identify(session)`` without an authenticator on a card without keys (the
  whole card reads: the read a terminal did before the keys issue);
- checked: ``identify`` with a ``PsamAuthenticator`` on a genuine card of the same
  holder from the card factory, the soft PSAM in a second virtual reader. The PSAM is
  selected and its terminal number read once, as a terminal does at start-up; each read
  then costs INTERNAL AUTHENTICATE + INIT FOR CIPHER/CIPHER DATA, and on 3.00 cards
  GET CHALLENGE + EXTERNAL AUTHENTICATE + a second INIT FOR CIPHER/CIPHER DATA and the
  card number read again.

It prints the APDUs each read sends to the card and to the PSAM, the median time per
read and the median of the checked/unchecked ratios (the two alternate repeat by repeat).

    .venv/bin/python bench/genuine_check.py [--reads N] [--repeats R]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from readers.card.identify import identify
from readers.card.psam import PsamAuthenticator
from readers.card.session import SocialSecurityCardSession
from readers.connection import Protocol_
from simulators.card.personalisation import Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.province import create_synthetic_province
from simulators.psam import SoftPsam
from simulators.psam_keys import psam_keys_from_store
from simulators.virtual_reader import DEFAULT_READER, PSAM_READER, VirtualReaderBackend


def seconds_per_read(action: Callable[[], object], reads: int) -> float:
    start = time.perf_counter()
    for _ in range(reads):
        action()
    return (time.perf_counter() - start) / reads


def interleaved(
    unchecked: Callable[[], object], checked: Callable[[], object], reads: int, repeats: int
) -> tuple[float, float, float]:
    """Median seconds of each, and the median of the per-repeat ratios.

    The two reads alternate repeat by repeat, so a machine that slows down or speeds up
    (other work on a shared host) weighs on both alike.
    """
    plain, verified = [], []
    for _ in range(repeats):
        plain.append(seconds_per_read(unchecked, reads))
        verified.append(seconds_per_read(checked, reads))
    ratios = [v / p for p, v in zip(plain, verified, strict=True)]
    return statistics.median(plain), statistics.median(verified), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="genuine-check-"))
    province = create_synthetic_province(directory)
    psam_keys = psam_keys_from_store(province.store, province.transport)
    print(
        f"identification read with and without the genuine-card check, in process; "
        f"{args.reads} reads x {args.repeats} repeats, median; "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    print(
        f"{'card':<5}{'proto':<6}{'APDUs unchecked':>16}{'card APDUs checked':>19}"
        f"{'PSAM APDUs':>11}{'ms unchecked':>13}{'ms checked':>11}{'ratio':>8}"
    )
    generation: Generation
    protocol: Protocol_
    for generation in ("2.00", "3.00"):
        p = make_personalisation(generate_population(1, seed=11, generations=(generation,))[0])
        for protocol in ("T0", "T1"):
            plain = VirtualReaderBackend()
            plain.insert(DEFAULT_READER, SoftSocialSecurityCard.personalised(p, protocol=protocol))

            def unchecked(backend: VirtualReaderBackend = plain) -> None:
                with backend.connect(DEFAULT_READER) as connection:
                    identify(SocialSecurityCardSession(connection))

            checked_backend = VirtualReaderBackend((DEFAULT_READER, PSAM_READER))
            card = province.factory().personalised_card(p, protocol=protocol)
            checked_backend.insert(DEFAULT_READER, card)
            checked_backend.insert(
                PSAM_READER, SoftPsam.with_keys(psam_keys, "320100000001", protocol=protocol)
            )
            psam_connection = checked_backend.connect(PSAM_READER)
            authenticator = PsamAuthenticator(psam_connection)

            def checked(
                backend: VirtualReaderBackend = checked_backend,
                authenticator: PsamAuthenticator = authenticator,
            ) -> None:
                with backend.connect(DEFAULT_READER) as connection:
                    result = identify(SocialSecurityCardSession(connection, authenticator))
                assert result.genuine

            unchecked()
            plain_apdus = len(plain.commands(DEFAULT_READER))
            psam_before = len(checked_backend.commands(PSAM_READER))
            checked()
            card_apdus = len(checked_backend.commands(DEFAULT_READER))
            psam_apdus = len(checked_backend.commands(PSAM_READER)) - psam_before
            unchecked_s, checked_s, ratio = interleaved(
                unchecked, checked, args.reads, args.repeats
            )
            psam_connection.close()
            print(
                f"{generation:<5}{protocol:<6}{plain_apdus:>16}{card_apdus:>19}{psam_apdus:>11}"
                f"{unchecked_s * 1e3:>13.3f}{checked_s * 1e3:>11.3f}"
                f"{ratio:>7.2f}x"
            )
    province.close()


if __name__ == "__main__":
    main()
