"""A PKCS#11 token is shared: other applications' objects, races and missing libraries."""

from __future__ import annotations

from typing import Any

import pytest

from keys.algorithms import Algorithm, KeyPurpose
from keys.errors import TokenError
from keys.store import KeyRef, KeyStore

from .conftest import SoftHsmToken


def _session(token: SoftHsmToken) -> Any:
    """Another application's session on the same token (this process is logged in)."""
    import pkcs11

    slot = pkcs11.lib(token.module).get_token(token_label=token.label)
    return slot.open(rw=True)


def test_foreign_objects_in_the_token_are_passed_over(
    softhsm_token: SoftHsmToken, pkcs11_store: KeyStore
) -> None:
    from pkcs11 import KeyType

    with _session(softhsm_token) as session:
        for label in ("sscard/old/irk/1", "sscard/irk/one", "other-app/key"):
            session.generate_key(KeyType.AES, 128, label=label, store=True)
        session.generate_key(KeyType.AES, 128, label="sscard/irk/7", store=True, id=b"not json")
        assert session.get_key(label="other-app/key").key_type == KeyType.AES
    assert pkcs11_store.list_keys() == []
    info = pkcs11_store.generate("irk", Algorithm.TDES, KeyPurpose.INTERNAL_AUTH)
    assert [key.ref for key in pkcs11_store.list_keys()] == [info.ref]


def test_a_label_held_twice_is_refused_rather_than_one_picked(
    softhsm_token: SoftHsmToken, pkcs11_store: KeyStore
) -> None:
    """What two racing ceremonies leave behind is never used silently."""
    from pkcs11 import Attribute, ObjectClass

    info = pkcs11_store.generate("race", Algorithm.TDES, KeyPurpose.INTERNAL_AUTH)
    with _session(softhsm_token) as session:
        [original] = session.get_objects(
            {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: "sscard/race/1"}
        )
        original.copy({Attribute.LABEL: "sscard/race/1"})
    with pytest.raises(TokenError, match="2 keys labelled"):
        pkcs11_store.export_wrapped(info.ref, KeyRef("race", 1))


def test_a_missing_module_is_named_as_missing(softhsm_token: SoftHsmToken) -> None:
    from keys.pkcs11_store import Pkcs11KeyStore

    with pytest.raises(TokenError, match=r"no PKCS#11 module at /nonexistent/lib\.so"):
        Pkcs11KeyStore.open("/nonexistent/lib.so", softhsm_token.label, softhsm_token.user_pin)
