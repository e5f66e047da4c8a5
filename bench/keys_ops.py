"""Diversify + cryptogram operations per second: software store vs SoftHSM2, SM4 vs 3DES.

One operation is what a key service does for one INTERNAL AUTHENTICATE check: master key →
city key → card key → session key (three diversifications) and the cryptogram, done inside
the store. SoftHSM2 has no SM4, so the token runs AES-128 (the same 16-byte-block rules).
The token lives in a temporary directory (its own SOFTHSM2_CONF); about 10 s in all.

Run: .venv/bin/python bench/keys_ops.py [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from keys import (
    Algorithm,
    CardKeyPath,
    KeyPurpose,
    KeyStore,
    Passphrase,
    ScryptParams,
    SoftwareKeyStore,
)
from keys.components import KeyComponent
from keys.kcv import key_check_value

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
PATH = CardKeyPath("320100", bytes.fromhex("320100D1560000051A2B3C4DF591858C"))
PF = bytes.fromhex("1122334455667788")
ORIG = bytes.fromhex("A1B2C3D4E5F60718")
PARTS = [bytes(range(16)), bytes(range(16, 32))]


def import_master(store: KeyStore, algorithm: Algorithm) -> None:
    parts = [KeyComponent(p, key_check_value(algorithm, p)) for p in PARTS]
    store.import_components(
        f"irk-{algorithm.name.lower()}", algorithm, KeyPurpose.INTERNAL_AUTH, parts
    )


def ops_per_second(store: KeyStore, algorithm: Algorithm, seconds: float) -> float:
    ref = next(i.ref for i in store.list_keys() if i.algorithm is algorithm)
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            store.cryptogram(ref, PATH, PF, ORIG)
        count += 20
    return count / (time.perf_counter() - start)


def softhsm_store(directory: Path) -> KeyStore:
    (directory / "tokens").mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = shutil.which("softhsm2-util") or "softhsm2-util"
    subprocess.run(  # noqa: S603 - fixed arguments
        [util, "--init-token", "--free", "--label", "bench", "--so-pin", "1111", "--pin", "2222"],
        check=True,
        capture_output=True,
    )
    from keys.pkcs11_store import Pkcs11KeyStore

    return Pkcs11KeyStore.open(SOFTHSM_LIBRARY, "bench", "2222")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per case")
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        software = SoftwareKeyStore.create(
            directory / "keys.json", Passphrase("bench"), ScryptParams(n=2**10)
        )
        for algorithm in (Algorithm.SM4, Algorithm.TDES, Algorithm.AES128):
            import_master(software, algorithm)
            results[f"software {algorithm}"] = ops_per_second(software, algorithm, args.seconds)
        if Path(SOFTHSM_LIBRARY).exists():
            token = softhsm_store(directory / "hsm")
            for algorithm in (Algorithm.TDES, Algorithm.AES128):
                import_master(token, algorithm)
                results[f"SoftHSM2 {algorithm}"] = ops_per_second(token, algorithm, args.seconds)
            token.close()
        else:
            print(f"SoftHSM2 not found at {SOFTHSM_LIBRARY}: token cases skipped")
    baseline = results["software SM4"]
    print(f"{'case':<20}{'ops/s':>10}{'µs/op':>10}{'vs software SM4':>18}")
    for case, rate in results.items():
        print(f"{case:<20}{rate:>10.0f}{1e6 / rate:>10.1f}{rate / baseline:>17.2f}x")
    pairs = [
        ("software 3DES", "software SM4"),
        ("SoftHSM2 3DES", "software 3DES"),
        ("SoftHSM2 AES-128", "software AES-128"),
    ]
    for case, other in pairs:
        if case in results:
            print(f"{case} / {other}: {results[case] / results[other]:.2f}")


if __name__ == "__main__":
    main()
