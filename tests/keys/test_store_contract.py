"""The ``KeyStore`` contract, run against the software store and the SoftHSM2 token.

Master keys are imported from known components so that every result can be compared with
the pure functions of ``keys`` (themselves pinned by test_profile_vectors.py).
"""

from __future__ import annotations

import logging

import pytest

from keys import cryptogram, diversify, mac, pin, wrap
from keys.algorithms import Algorithm, KeyPurpose, with_odd_parity
from keys.components import KeyComponent
from keys.diversify import CardKeyPath
from keys.errors import ComponentCheckFailed, KeyExists, KeyNotFound, KeyVersionsExhausted
from keys.kcv import key_check_value
from keys.software_store import SoftwareKeyStore
from keys.store import KeyRef, KeyStore, verify_cryptogram

from .conftest import components

PATH = CardKeyPath("320100", bytes.fromhex("320100D1560000051A2B3C4DF591858C"))
OTHER_CITY = CardKeyPath("320500", bytes.fromhex("320500D1560000051A2B3C4DF591858C"))
PF = bytes.fromhex("1122334455667788")
ORIG = bytes.fromhex("A1B2C3D4E5F60718")
PART_A = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
PART_B = bytes.fromhex("1032547698BADCFEEFCDAB8967452301")
MASTER = bytes(a ^ b for a, b in zip(PART_A, PART_B, strict=True))
TRANSPORT = bytes(range(0x40, 0x60))
CONTRACT_ALGORITHMS = [Algorithm.TDES, Algorithm.AES128]


def import_master(
    store: KeyStore, algorithm: Algorithm, purpose: KeyPurpose, label: str = "irk"
) -> KeyRef:
    return store.import_components(
        label, algorithm, purpose, components(algorithm, PART_A, PART_B)
    ).ref


def import_transport(store: KeyStore) -> KeyRef:
    half = TRANSPORT[:16] + bytes(16)
    other = bytes(16) + TRANSPORT[16:]
    parts = components(Algorithm.AES256, half, other)
    return store.import_components("tk", Algorithm.AES256, KeyPurpose.TRANSPORT, parts).ref


def master_value(algorithm: Algorithm) -> bytes:
    # 3DES keys are stored with odd parity after combining; DES ignores parity bits.
    return with_odd_parity(MASTER) if algorithm is Algorithm.TDES else MASTER


@pytest.mark.parametrize("algorithm", CONTRACT_ALGORITHMS)
def test_import_lists_label_version_algorithm_purpose_and_kcv(
    store: KeyStore, algorithm: Algorithm
) -> None:
    ref = import_master(store, algorithm, KeyPurpose.INTERNAL_AUTH)
    [info] = store.list_keys()
    assert (info.ref, info.algorithm, info.purpose) == (
        KeyRef("irk", 1),
        algorithm,
        KeyPurpose.INTERNAL_AUTH,
    )
    assert info.kcv == key_check_value(algorithm, MASTER)
    assert ref == KeyRef("irk", 1)


@pytest.mark.parametrize("algorithm", CONTRACT_ALGORITHMS)
def test_cryptogram_is_the_profile_cryptogram(store: KeyStore, algorithm: Algorithm) -> None:
    ref = import_master(store, algorithm, KeyPurpose.INTERNAL_AUTH)
    card = diversify.card_key(algorithm, MASTER, PATH)
    expected = cryptogram.cryptogram(algorithm, diversify.session_key(algorithm, card, PF), ORIG)
    assert store.cryptogram(ref, PATH, PF, ORIG) == expected
    assert verify_cryptogram(store, ref, PATH, PF, ORIG, expected)
    assert not verify_cryptogram(store, ref, OTHER_CITY, PF, ORIG, expected)


@pytest.mark.parametrize("algorithm", CONTRACT_ALGORITHMS)
@pytest.mark.parametrize("data", [b"", bytes.fromhex("123456"), bytes(range(30))])
def test_pin_command_mac_and_unblock_data(
    store: KeyStore, algorithm: Algorithm, data: bytes
) -> None:
    ref = import_master(store, algorithm, KeyPurpose.PIN_RELOAD, "prk")
    card = diversify.card_key(algorithm, MASTER, PATH)
    challenge, header = bytes.fromhex("0A0B0C0D"), bytes.fromhex("8424 0000")
    assert store.pin_command_mac(ref, PATH, challenge, header, data) == mac.pin_command_mac(
        algorithm, card, challenge, header, data
    )
    new_pin = bytes.fromhex("654321")
    assert store.encrypt_pin(ref, PATH, new_pin) == pin.encrypt_pin(algorithm, card, new_pin)


@pytest.mark.parametrize("algorithm", CONTRACT_ALGORITHMS)
def test_exports_unwrap_to_the_master_and_card_keys(store: KeyStore, algorithm: Algorithm) -> None:
    ref = import_master(store, algorithm, KeyPurpose.UPDATE, "uk")
    transport = import_transport(store)
    exported = wrap.unwrap_key(Algorithm.AES256, TRANSPORT, store.export_wrapped(ref, transport))
    assert exported == master_value(algorithm)
    card = wrap.unwrap_key(
        Algorithm.AES256, TRANSPORT, store.derive_card_key_wrapped(ref, PATH, transport)
    )
    assert card == diversify.card_key(algorithm, MASTER, PATH)


def test_generate_then_rotate_keeps_old_versions(store: KeyStore) -> None:
    first = store.generate("rkssse", Algorithm.AES128, KeyPurpose.READ)
    with pytest.raises(KeyExists):
        store.generate("rkssse", Algorithm.AES128, KeyPurpose.READ)
    second = store.rotate("rkssse")
    third = store.rotate("rkssse")
    assert [i.version for i in store.list_keys()] == [1, 2, 3]
    assert first.kcv != second.kcv != third.kcv
    assert (third.algorithm, third.purpose) == (Algorithm.AES128, KeyPurpose.READ)
    assert store.cryptogram(first.ref, PATH, PF, ORIG) != store.cryptogram(
        third.ref, PATH, PF, ORIG
    )
    with pytest.raises(KeyVersionsExhausted):
        store.rotate("rkssse")


def test_import_of_an_existing_label_adds_a_version(store: KeyStore) -> None:
    store.generate("irk", Algorithm.TDES, KeyPurpose.INTERNAL_AUTH)
    assert import_master(store, Algorithm.TDES, KeyPurpose.INTERNAL_AUTH) == KeyRef("irk", 2)
    with pytest.raises(ValueError, match="keep its algorithm and purpose"):
        import_master(store, Algorithm.AES128, KeyPurpose.INTERNAL_AUTH)


def test_wrong_component_is_refused_and_nothing_stored(store: KeyStore) -> None:
    parts = components(Algorithm.TDES, PART_A, PART_B)
    parts[0] = KeyComponent(PART_B, parts[0].check_value)
    with pytest.raises(ComponentCheckFailed):
        store.import_components("irk", Algorithm.TDES, KeyPurpose.INTERNAL_AUTH, parts)
    assert store.list_keys() == []


def test_unknown_keys_and_wrong_purposes(store: KeyStore) -> None:
    with pytest.raises(KeyNotFound):
        store.cryptogram(KeyRef("irk", 1), PATH, PF, ORIG)
    with pytest.raises(KeyNotFound):
        store.rotate("irk")
    prk = import_master(store, Algorithm.AES128, KeyPurpose.PIN_RELOAD, "prk")
    with pytest.raises(ValueError, match="PRK key"):
        store.cryptogram(prk, PATH, PF, ORIG)
    with pytest.raises(ValueError, match="not TK"):
        store.export_wrapped(prk, prk)
    with pytest.raises(ValueError, match="transport key"):
        store.generate("tk", Algorithm.TDES, KeyPurpose.TRANSPORT)
    with pytest.raises(ValueError, match="not a card key algorithm"):
        store.generate("irk", Algorithm.AES256, KeyPurpose.INTERNAL_AUTH)
    with pytest.raises(ValueError, match="label"):
        store.generate("no spaces", Algorithm.AES128, KeyPurpose.INTERNAL_AUTH)


def test_no_key_material_in_repr_logs_or_errors(
    store: KeyStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = import_master(store, Algorithm.TDES, KeyPurpose.PIN_RELOAD, "prk")
    transport = import_transport(store)
    card = diversify.card_key(Algorithm.TDES, MASTER, PATH)
    secrets = [PART_A, PART_B, MASTER, master_value(Algorithm.TDES), TRANSPORT, card]
    texts = [repr(store), caplog.text, repr(store.list_keys())]
    store.pin_command_mac(ref, PATH, bytes(4), bytes(4), b"")
    store.export_wrapped(ref, transport)
    bad = components(Algorithm.TDES, PART_A, PART_B)
    bad[1] = KeyComponent(PART_A, bad[1].check_value)
    for call in [
        lambda: store.import_components("prk", Algorithm.TDES, KeyPurpose.PIN_RELOAD, bad),
        lambda: store.import_components(
            "x", Algorithm.TDES, KeyPurpose.READ, components(Algorithm.TDES, PART_A[:8], PART_B)
        ),
        lambda: store.cryptogram(ref, PATH, PF, ORIG),
    ]:
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any error, checked below
            call()
        texts += [str(caught.value), repr(caught.value)]
    texts.append(caplog.text)
    for secret in secrets:
        for half in (secret[:8], secret[8:]):
            for text in texts:
                assert half.hex() not in text.lower()


def test_sm4_in_the_software_store(software_store: SoftwareKeyStore) -> None:
    ref = import_master(software_store, Algorithm.SM4, KeyPurpose.INTERNAL_AUTH)
    card = diversify.card_key(Algorithm.SM4, MASTER, PATH)
    expected = cryptogram.cryptogram(
        Algorithm.SM4, diversify.session_key(Algorithm.SM4, card, PF), ORIG
    )
    assert software_store.cryptogram(ref, PATH, PF, ORIG) == expected


def test_sm4_in_the_token_is_a_clear_error(pkcs11_store: KeyStore) -> None:
    from keys.errors import UnsupportedAlgorithm

    with pytest.raises(UnsupportedAlgorithm, match="SM4 is not supported by this token"):
        pkcs11_store.generate("irk", Algorithm.SM4, KeyPurpose.INTERNAL_AUTH)
    with pytest.raises(UnsupportedAlgorithm, match="not supported by this token"):
        import_master(pkcs11_store, Algorithm.SM4, KeyPurpose.INTERNAL_AUTH)
    assert pkcs11_store.list_keys() == []


@pytest.mark.parametrize("algorithm", CONTRACT_ALGORITHMS)
def test_both_stores_agree(
    software_store: SoftwareKeyStore, pkcs11_store: KeyStore, algorithm: Algorithm
) -> None:
    results = []
    for store in (software_store, pkcs11_store):
        irk = import_master(store, algorithm, KeyPurpose.INTERNAL_AUTH)
        prk = import_master(store, algorithm, KeyPurpose.PIN_RELOAD, "prk")
        transport = import_transport(store)
        results.append(
            (
                [(i.ref, i.algorithm, i.purpose, i.kcv) for i in store.list_keys()],
                store.cryptogram(irk, PATH, PF, ORIG),
                store.pin_command_mac(prk, PATH, bytes(4), bytes.fromhex("805E0000"), bytes(3)),
                store.export_wrapped(irk, transport),
            )
        )
    assert results[0] == results[1]


def test_token_destroys_derived_keys(pkcs11_store: KeyStore) -> None:
    ref = import_master(pkcs11_store, Algorithm.TDES, KeyPurpose.PIN_RELOAD, "prk")
    session = pkcs11_store._session  # type: ignore[attr-defined]  # white-box: count objects
    before = len(list(session.get_objects()))
    pkcs11_store.pin_command_mac(ref, PATH, bytes(4), bytes(4), bytes(20))
    pkcs11_store.encrypt_pin(ref, PATH, bytes.fromhex("123456"))
    assert len(list(session.get_objects())) == before
