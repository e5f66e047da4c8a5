"""The card factory: card keys diversified from the store's masters, blank cards, key files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from keys.algorithms import Algorithm, KeyPurpose
from keys.components import KeyComponent
from keys.kcv import key_check_value
from keys.software_store import SoftwareKeyStore
from keys.store_file import Passphrase
from simulators.card.personalisation import CardPersonalisation
from simulators.card.state import CardStateError, load_card, save_card
from simulators.factory import CardFactory, master_key
from simulators.key_loading import install_transport_key
from simulators.province import SYNTHETIC_SCRYPT, create_synthetic_province

from .profile_reference import card_key, cryptogram

MakePersonalisation = Callable[..., CardPersonalisation]
MASTERS = {
    KeyPurpose.INTERNAL_AUTH: bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"),
    KeyPurpose.READ: bytes.fromhex("00112233445566778899AABBCCDDEEFF"),
    KeyPurpose.UPDATE: bytes.fromhex("404142434445464748494A4B4C4D4E4F"),
    KeyPurpose.PIN_RELOAD: bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F"),
}


def send(card: object, apdu: str) -> str:
    return card.execute(bytes.fromhex(apdu.replace(" ", ""))).hex().upper()  # type: ignore[attr-defined]


@pytest.fixture
def known_store(tmp_path: Path) -> SoftwareKeyStore:
    """A store holding the known masters above (imported as components) in SM4 and 3DES."""
    store = SoftwareKeyStore.create(
        tmp_path / "keys.json", Passphrase("a synthetic passphrase"), SYNTHETIC_SCRYPT
    )
    zero = bytes(16)
    for algorithm, tag in ((Algorithm.SM4, "sm4"), (Algorithm.TDES, "3des")):
        for purpose, master in MASTERS.items():
            parts = [
                KeyComponent(value, key_check_value(algorithm, value)) for value in (master, zero)
            ]
            store.import_components(f"{purpose.value}-{tag}", algorithm, purpose, parts)
    return store


@pytest.mark.parametrize(("generation", "sm4"), [("3.00", True), ("2.00", False)])
def test_card_keys_are_the_profile_diversification_of_the_masters(
    known_store: SoftwareKeyStore,
    make_personalisation: MakePersonalisation,
    generation: str,
    sm4: bool,
) -> None:
    factory = CardFactory(known_store, install_transport_key(known_store))
    p = make_personalisation(generation=generation)
    card = factory.personalised_card(p, protocol="T1")
    for purpose, master in MASTERS.items():
        expected = card_key(sm4, master, p.region_code, p.card_identification_code)
        assert card.memory.keys[purpose].value == expected
        assert card.memory.keys[purpose].version == 1
    card.power_on()
    send(card, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
    pf, orig = bytes(range(8)), bytes(range(8, 16))
    irk = card_key(
        sm4, MASTERS[KeyPurpose.INTERNAL_AUTH], p.region_code, p.card_identification_code
    )
    assert send(card, "0088000010" + (pf + orig).hex()) == (
        cryptogram(sm4, irk, pf, orig).hex().upper() + "9000"
    )


def test_master_key_selection(known_store: SoftwareKeyStore) -> None:
    assert master_key(known_store, KeyPurpose.READ, "3.00").label == "RKSSSE-sm4"
    assert master_key(known_store, KeyPurpose.READ, "1.00").label == "RKSSSE-3des"
    known_store.rotate("RKSSSE-sm4")
    assert master_key(known_store, KeyPurpose.READ, "3.00").version == 2
    assert master_key(known_store, KeyPurpose.READ, "3.00", version=1).version == 1
    known_store.generate("second-irk", Algorithm.SM4, KeyPurpose.INTERNAL_AUTH)
    with pytest.raises(ValueError, match="exactly one SM4 IRK"):
        master_key(known_store, KeyPurpose.INTERNAL_AUTH, "3.00")


def test_a_blank_card_is_ready_for_issuance(tmp_path: Path) -> None:
    province = create_synthetic_province(tmp_path)
    card = province.factory().blank_card("3.00", "320500", bytes.fromhex("01020304"), protocol="T1")
    card.power_on()
    send(card, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
    card_id = send(card, "00B2012812")
    assert card_id.startswith("0110320500D156000005" + "01020304")
    assert send(card, "00B2032806") == "0304" + b"3.00".hex().upper() + "9000"
    assert send(card, "00B2052806") == "0504000000009000"  # issue date not yet written
    assert card.atr.hex().upper().endswith("320501020304")
    assert set(card.memory.keys) == set(MASTERS)


def test_synthetic_provinces_are_quick_and_unrelated(tmp_path: Path) -> None:
    jiangsu = create_synthetic_province(tmp_path, "320000")
    guangdong = create_synthetic_province(tmp_path, "440000")
    kcvs = {info.kcv for info in jiangsu.store.list_keys()}
    assert not kcvs & {info.kcv for info in guangdong.store.list_keys()}
    assert jiangsu.passphrase.text not in repr(jiangsu)
    assert jiangsu.transport.value.hex() not in repr(jiangsu).lower()


def test_card_keys_survive_the_card_file(
    tmp_path: Path, make_personalisation: MakePersonalisation
) -> None:
    province = create_synthetic_province(tmp_path)
    card = province.factory().personalised_card(make_personalisation(generation="3.00"))
    card.memory.keys[KeyPurpose.READ].tries_left = 2
    path = tmp_path / "card.json"
    save_card(card, path)
    assert path.stat().st_mode & 0o777 == 0o600
    document = json.loads(path.read_text())
    assert document["version"] == 2
    assert set(document["keys"]) == {"IRK", "RKSSSE", "UK", "PRK"}
    assert document["keys"]["RKSSSE"]["tries_left"] == 2
    assert load_card(path).memory == card.memory


def test_a_version_1_card_file_loads_as_a_card_without_keys(
    tmp_path: Path, make_personalisation: MakePersonalisation
) -> None:
    from simulators.card.ssc import SoftSocialSecurityCard

    path = tmp_path / "old.json"
    save_card(SoftSocialSecurityCard.personalised(make_personalisation()), path)
    document = json.loads(path.read_text())
    document["version"] = 1
    del document["keys"]
    path.write_text(json.dumps(document))
    assert load_card(path).memory.keys == {}


def test_a_bad_key_in_a_card_file_is_named_without_its_value(
    tmp_path: Path, make_personalisation: MakePersonalisation
) -> None:
    province = create_synthetic_province(tmp_path)
    path = tmp_path / "card.json"
    save_card(province.factory().personalised_card(make_personalisation()), path)
    document = json.loads(path.read_text())
    secret = document["keys"]["IRK"]["value"]
    document["keys"]["IRK"]["value"] = secret + "XY"
    path.write_text(json.dumps(document))
    with pytest.raises(CardStateError, match="key IRK is not hex") as raised:
        load_card(path)
    assert secret not in str(raised.value)
    document["keys"]["IRK"]["value"] = secret
    document["keys"]["XYZ"] = document["keys"]["IRK"]
    path.write_text(json.dumps(document))
    with pytest.raises(CardStateError, match="unknown card key 'XYZ'"):
        load_card(path)
