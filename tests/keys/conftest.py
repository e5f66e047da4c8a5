"""Key stores for the tests: a software store in a temporary file and a SoftHSM2 token.

The SoftHSM2 token lives in a temporary directory named by ``SOFTHSM2_CONF`` (set before
the PKCS#11 library is first loaded). Without SoftHSM2 the PKCS#11 tests are skipped, or
fail when ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from keys.algorithms import Algorithm
from keys.components import KeyComponent
from keys.kcv import key_check_value
from keys.software_store import SoftwareKeyStore
from keys.store import KeyStore
from keys.store_file import Passphrase, ScryptParams

MissingService = Callable[[str], NoReturn]  # the shared ``missing_service`` fixture

SOFTHSM_LIBRARY = os.environ.get("SOFTHSM2_LIBRARY", "/usr/lib/softhsm/libsofthsm2.so")
#: Cheap scrypt for tests; production stores use the default cost.
FAST_SCRYPT = ScryptParams(n=2**10)
PASSPHRASE = Passphrase("correct horse battery staple")


@dataclass(frozen=True)
class SoftHsmToken:
    """An initialised SoftHSM2 token."""

    module: str
    label: str
    user_pin: str


@pytest.fixture(autouse=True)
def _no_key_store_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``sscard-keys`` reads SSCARD_KEYS_* variables; an officer's shell must not change
    what these tests open."""
    for name in list(os.environ):
        if name.startswith("SSCARD_KEYS_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def softhsm_token(
    tmp_path_factory: pytest.TempPathFactory, missing_service: MissingService
) -> Iterator[SoftHsmToken]:
    """A fresh SoftHSM2 token for this test session."""
    util = shutil.which("softhsm2-util")
    if not Path(SOFTHSM_LIBRARY).exists() or util is None:
        reason = (
            f"SoftHSM2 is not installed ({SOFTHSM_LIBRARY}, softhsm2-util):"
            " install the Debian package softhsm2"
        )
        missing_service(reason)
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token = SoftHsmToken(SOFTHSM_LIBRARY, "sscard-test", "24680")
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            token.label,
            "--so-pin",
            "13579",
            "--pin",
            token.user_pin,
        ],
        check=True,
        capture_output=True,
    )
    yield token
    if previous is None:
        del os.environ["SOFTHSM2_CONF"]
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def pkcs11_store(softhsm_token: SoftHsmToken) -> Iterator[KeyStore]:
    """A ``Pkcs11KeyStore`` on the session token, emptied of keys and records (the log's place)."""
    import pkcs11

    from keys.pkcs11_store import Pkcs11KeyStore

    token = pkcs11.lib(softhsm_token.module).get_token(token_label=softhsm_token.label)
    with token.open(rw=True, user_pin=softhsm_token.user_pin) as session:
        for kind in (pkcs11.ObjectClass.SECRET_KEY, pkcs11.ObjectClass.DATA):
            for obj in list(session.get_objects({pkcs11.Attribute.CLASS: kind})):
                obj.destroy()
    store = Pkcs11KeyStore.open(softhsm_token.module, softhsm_token.label, softhsm_token.user_pin)
    yield store
    store.close()


@pytest.fixture
def software_store(tmp_path: Path) -> Iterator[SoftwareKeyStore]:
    """An empty software store (cheap scrypt)."""
    with SoftwareKeyStore.create(tmp_path / "keys.json", PASSPHRASE, FAST_SCRYPT) as store:
        yield store


@pytest.fixture(params=["software", "pkcs11"])
def store(request: pytest.FixtureRequest) -> KeyStore:
    """Each ``KeyStore`` implementation in turn (the contract suite runs on both)."""
    fixture: KeyStore = request.getfixturevalue(f"{request.param}_store")
    return fixture


def components(algorithm: Algorithm, *values: bytes) -> list[KeyComponent]:
    """Components with the check values their custodians would read out."""
    return [KeyComponent(value, key_check_value(algorithm, value)) for value in values]
