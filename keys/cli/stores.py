"""Opening the chosen key store, and a ceremony step on it (logged before it takes effect)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from keys.ceremony_log import CeremonyLog, Detail, Step
from keys.cli.errors import CeremonyFailed
from keys.cli.options import SoftwareStore, StoreChoice
from keys.cli.secrets import Credential, TokenPin, store_credential
from keys.software_store import SoftwareKeyStore
from keys.store import KeyStore

log = logging.getLogger(__name__)


def ceremony_log(where: StoreChoice) -> CeremonyLog:
    """The store's ceremony log: beside a software store, always; given for a token."""
    return CeremonyLog(where.log_path)


def require_store(where: StoreChoice) -> None:
    """Stop before anything is prompted or logged if the software store is not there."""
    if isinstance(where, SoftwareStore) and not where.path.exists():
        raise CeremonyFailed(
            f"there is no key store at {where.path}",
            "check --store, or make one with sscard-keys create",
        )


def open_store(where: StoreChoice, credential: Credential) -> KeyStore:
    """Open the store ``where`` names with ``credential`` (a token also checks its log)."""
    if isinstance(where, SoftwareStore):
        if isinstance(credential, TokenPin):
            raise TypeError("a software store opens with a passphrase or a key file")
        log.info("opening the software key store %s", where.path)
        return SoftwareKeyStore.open(where.path, credential)
    if not isinstance(credential, TokenPin):
        raise TypeError("a token opens with its user PIN")
    from keys.pkcs11_store import Pkcs11KeyStore  # python-pkcs11 is an optional extra

    log.info("logging in to token %r through %s", where.label, where.module)
    store = Pkcs11KeyStore.open(where.module, where.label, credential.text)
    try:
        store.keep_log_at(where.log_path)
    except BaseException:
        store.close()
        raise
    return store


@contextlib.contextmanager
def ceremony(
    where: StoreChoice, event: str, details: dict[str, Detail]
) -> Iterator[tuple[Step, KeyStore]]:
    """A step on the open store: the secret is asked for first (outside the log's lock),
    then the step is logged as begun once the store opens, and done or failed at the end
    (a wrong passphrase or PIN logged as failed)."""
    require_store(where)
    credential = store_credential(where)
    log.info("ceremony log %s: %s", where.log_path, event)
    with ceremony_log(where).step(event, details) as step:
        store = step.keep(contextlib.closing(open_store(where, credential)))
        step.opened(store.log_mac)
        yield step, store


@contextlib.contextmanager
def opened(where: StoreChoice) -> Iterator[KeyStore]:
    """The open store, for a check that is not a ceremony step (the log's own commands)."""
    require_store(where)
    credential = store_credential(where)
    with contextlib.closing(open_store(where, credential)) as store:
        yield store
