"""The soft PSAM against profile §5, byte for byte, and how keys are loaded into it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keys.algorithms import Algorithm, KeyPurpose
from keys.cli import main as keys_main
from simulators.card.state import CardStateError
from simulators.key_loading import install_transport_key
from simulators.province import create_synthetic_province
from simulators.psam import SoftPsam
from simulators.psam_keys import PsamKey, psam_keys_from_export, psam_keys_from_store
from simulators.psam_state import load_psam, save_psam

from .profile_reference import card_key, cryptogram

MASTER_SM4 = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
MASTER_3DES = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
MASTER_SM4_V2 = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
REGION = "320100"
CARD_ID = bytes.fromhex("320100D1560000051A2B3C4DF591858C")
PF = bytes.fromhex("1122334455667788")
ORIG = bytes.fromhex("A1B2C3D4E5F60718")
FACTORS = (CARD_ID[8:] + b"320100sx" + PF).hex().upper()
SELECT_PSAM = "00A4040006D1560000059000"


def send(psam: SoftPsam, apdu: str) -> str:
    return psam.execute(bytes.fromhex(apdu.replace(" ", ""))).hex().upper()


def make_psam(protocol: str = "T1") -> SoftPsam:
    psam = SoftPsam.with_keys(
        [
            PsamKey(KeyPurpose.INTERNAL_AUTH, Algorithm.SM4, 1, MASTER_SM4),
            PsamKey(KeyPurpose.INTERNAL_AUTH, Algorithm.SM4, 2, MASTER_SM4_V2),
            PsamKey(KeyPurpose.INTERNAL_AUTH, Algorithm.TDES, 1, MASTER_3DES),
            PsamKey(KeyPurpose.READ, Algorithm.SM4, 1, MASTER_3DES),
        ],
        "320100000042",
        protocol=protocol,  # type: ignore[arg-type]
    )
    psam.power_on()
    return psam


def test_select_and_terminal_number() -> None:
    psam = make_psam()
    assert send(psam, SELECT_PSAM) == "6F088406D156000005909000"
    assert send(psam, "00B0960006") == "3201000000429000"
    assert psam.atr.hex().upper() == "3B6A0000" + "0081" + b"PSAM".hex().upper() + "50534D01"


@pytest.mark.parametrize(
    ("p1p2", "master", "sm4"),
    [
        ("4830", MASTER_SM4_V2, True),  # IRK, SM4, highest version (2)
        ("4831", MASTER_SM4, True),  # IRK, SM4, version 1
        ("4810", MASTER_3DES, False),  # IRK, 3DES
        ("4930", MASTER_3DES, True),  # RKSSSE, SM4 (a 16-byte key used as SM4)
    ],
)
@pytest.mark.parametrize("protocol", ["T0", "T1"])
def test_init_for_cipher_then_cipher_data_is_the_card_cryptogram(
    p1p2: str, master: bytes, sm4: bool, protocol: str
) -> None:
    psam = make_psam(protocol)
    selected = send(psam, SELECT_PSAM)
    if protocol == "T0":
        assert selected == "610A"
        selected = send(psam, "00C000000A")
    assert selected == "6F088406D156000005909000"
    assert send(psam, f"BFDE{p1p2}18{FACTORS}") == "9000"
    expected = cryptogram(sm4, card_key(sm4, master, REGION, CARD_ID), PF, ORIG).hex().upper()
    answer = send(psam, "80FA000008" + ORIG.hex())
    if protocol == "T0":
        assert answer == "6108"
        answer = send(psam, "00C0000008")
    assert answer == expected + "9000"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        (f"BFDE6830 18{FACTORS}", "6A86"),  # three diversification levels
        (f"BFDE4730 18{FACTORS}", "6A86"),  # key type 7
        (f"BFDE4820 18{FACTORS}", "6A86"),  # algorithm flag 2 (SSF33)
        (f"BFDE4833 18{FACTORS}", "6A88"),  # no version 3
        (f"BFDE4610 18{FACTORS}", "6A88"),  # no 3DES UK
        ("BFDE483010" + FACTORS[:32], "6700"),
        ("80FA000008" + ORIG.hex(), "6985"),  # CIPHER DATA before INIT FOR CIPHER
    ],
)
def test_psam_errors(apdu: str, sw: str) -> None:
    psam = make_psam()
    send(psam, SELECT_PSAM)
    assert send(psam, apdu) == sw


def test_init_for_cipher_needs_the_application_selected() -> None:
    psam = make_psam()
    assert send(psam, f"BFDE4830 18{FACTORS}") == "6985"
    send(psam, SELECT_PSAM)
    assert send(psam, f"BFDE4830 18{FACTORS}") == "9000"
    psam.reset()
    assert send(psam, "80FA000008" + ORIG.hex()) == "6985"


def test_the_psam_never_shows_a_key(tmp_path: Path) -> None:
    psam = make_psam()
    assert MASTER_SM4.hex() not in repr(psam).lower()
    assert MASTER_SM4.hex() not in repr(psam.memory).lower()


def test_psam_file_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "psam.json"
    save_psam(make_psam("T0"), path)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = load_psam(path)
    loaded.power_on()
    send(loaded, SELECT_PSAM)
    assert loaded.protocol == "T0"
    assert send(loaded, "00B0960006") == "3201000000429000"
    assert loaded.memory.keys == make_psam().memory.keys
    document = json.loads(path.read_text())
    document["keys"][0]["value"] = "ZZ" + MASTER_SM4.hex()
    path.write_text(json.dumps(document))
    with pytest.raises(CardStateError, match="key 1 is not hex") as raised:
        load_psam(path)
    assert MASTER_SM4.hex() not in str(raised.value).lower()


def test_keys_from_a_store_and_from_the_sscard_keys_export(tmp_path: Path) -> None:
    province = create_synthetic_province(tmp_path)
    from_store = psam_keys_from_store(province.store, province.transport)
    assert {(k.purpose, k.algorithm) for k in from_store} == {
        (purpose, algorithm)
        for purpose in (KeyPurpose.INTERNAL_AUTH, KeyPurpose.READ, KeyPurpose.UPDATE)
        for algorithm in (Algorithm.SM4, Algorithm.TDES)
    }
    province.close()
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text(province.passphrase.text)
    out = tmp_path / "export.json"
    store_args = ["--store", str(province.store_path), "--passphrase-file", str(passphrase)]
    args = [*store_args, "export-psam", "--transport", province.transport.ref.label]
    assert keys_main([*args, "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    from_export = psam_keys_from_export(document, province.transport.value)
    assert sorted(from_export, key=repr) == sorted(from_store, key=repr)
    assert [k.value for k in sorted(from_export, key=repr)] == [
        k.value for k in sorted(from_store, key=repr)
    ]
    with pytest.raises(ValueError, match="transport key does not match"):
        psam_keys_from_export(document, bytes(32))


def test_a_store_key_that_fails_its_check_value_is_refused(tmp_path: Path) -> None:
    province = create_synthetic_province(tmp_path)
    other = install_transport_key(province.store, "other-tk")
    wrong = type(other)(other.ref, other.algorithm, province.transport.value)
    with pytest.raises(Exception, match="integrity"):
        psam_keys_from_store(province.store, wrong)
