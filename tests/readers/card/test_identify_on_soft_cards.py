"""Genuine-card identification end to end: soft card and soft PSAM in two virtual readers.

The card comes from the card factory of a synthetic province, the PSAM holds that
province's keys; the host side is ``identify`` with a ``PsamAuthenticator``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from keys.cli import main as keys_main
from readers.card.errors import CardNotGenuine, PsamDoesNotMatchCard
from readers.card.identify import Identification, identify
from readers.card.psam import PsamAuthenticator
from readers.card.session import SocialSecurityCardSession
from readers.connection import Protocol_
from simulators.card.personalisation import GENERATIONS, CardPersonalisation, Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.population import generate_population, make_personalisation
from simulators.province import SyntheticProvince, create_synthetic_province
from simulators.psam import SoftPsam
from simulators.psam_keys import psam_keys_from_export, psam_keys_from_store
from simulators.psam_state import save_psam
from simulators.virtual_reader import (
    DEFAULT_READER,
    PSAM_READER,
    VirtualReaderBackend,
    backend_for_card_file,
    backend_for_psam_file,
)


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SyntheticProvince]]:
    directory = tmp_path_factory.mktemp("provinces")
    made = {
        "jiangsu": create_synthetic_province(directory, "320000"),
        # keys of nobody: a forger copies a Jiangsu card's data onto a chip of its own
        "forger": create_synthetic_province(directory, "329900"),
        "guangdong": create_synthetic_province(directory, "440000"),
    }
    yield made
    for province in made.values():
        province.close()


def personalisation(generation: Generation, seed: int = 7) -> CardPersonalisation:
    return make_personalisation(generate_population(1, seed=seed, generations=(generation,))[0])


def psam_for(province: SyntheticProvince, terminal: str, protocol: Protocol_ = "T0") -> SoftPsam:
    keys = psam_keys_from_store(province.store, province.transport)
    return SoftPsam.with_keys(keys, terminal, protocol=protocol)


def read(card: SoftSocialSecurityCard, psam: SoftPsam | None) -> Identification:
    backend = VirtualReaderBackend((DEFAULT_READER, PSAM_READER))
    backend.insert(DEFAULT_READER, card)
    if psam is None:
        with backend.connect(DEFAULT_READER) as connection:
            return identify(SocialSecurityCardSession(connection))
    backend.insert(PSAM_READER, psam)
    with (
        backend.connect(PSAM_READER) as psam_connection,
        backend.connect(DEFAULT_READER) as connection,
    ):
        return identify(SocialSecurityCardSession(connection, PsamAuthenticator(psam_connection)))


@pytest.mark.parametrize("protocol", ["T0", "T1"])
@pytest.mark.parametrize("generation", GENERATIONS)
def test_genuine_cards_of_every_generation_are_identified(
    provinces: dict[str, SyntheticProvince], generation: Generation, protocol: Protocol_
) -> None:
    jiangsu = provinces["jiangsu"]
    p = personalisation(generation)
    card = jiangsu.factory().personalised_card(p, protocol=protocol)
    result = read(card, psam_for(jiangsu, "320100000001", protocol))
    assert result.genuine
    assert result.checked_by == "PSAM, terminal 320100000001"
    assert result.card.card_number == p.card_number
    assert result.holder is not None
    assert result.holder.name == p.name
    assert result.holder.social_security_number == p.social_security_number
    assert result.photo == p.photo


def test_a_card_with_wrong_keys_is_not_genuine(provinces: dict[str, SyntheticProvince]) -> None:
    forged = provinces["forger"].factory().personalised_card(personalisation("3.00"))
    with pytest.raises(CardNotGenuine) as raised:
        read(forged, psam_for(provinces["jiangsu"], "320100000001"))
    assert raised.value.code == -21
    assert not isinstance(raised.value, PsamDoesNotMatchCard)


def test_a_card_without_keys_is_not_genuine(provinces: dict[str, SyntheticProvince]) -> None:
    copy = SoftSocialSecurityCard.personalised(personalisation("2.00"))
    with pytest.raises(CardNotGenuine, match="cannot authenticate"):
        read(copy, psam_for(provinces["jiangsu"], "320100000001"))


def test_a_psam_of_another_province_gives_a_clear_error(
    provinces: dict[str, SyntheticProvince],
) -> None:
    card = provinces["jiangsu"].factory().personalised_card(personalisation("3.00"))
    with pytest.raises(PsamDoesNotMatchCard) as raised:
        read(card, psam_for(provinces["guangdong"], "440100000001"))
    assert raised.value.code == -21
    assert "广东省" in str(raised.value)
    assert "does not match the card's region" in str(raised.value)
    assert card.memory.keys  # the card's keys used no try: INTERNAL AUTHENTICATE failed first
    assert all(key.tries_left == 5 for key in card.memory.keys.values())


def test_without_a_psam_a_3_00_card_reads_unverified_and_withholds_the_holder(
    provinces: dict[str, SyntheticProvince],
) -> None:
    p = personalisation("3.00")
    result = read(provinces["jiangsu"].factory().personalised_card(p), None)
    assert not result.genuine
    assert "NOT checked" in result.genuineness
    assert result.holder is None
    assert result.card.card_number is None
    assert result.card.card_identification_code == p.card_identification_code


def test_without_a_psam_a_2_00_card_reads_whole_but_unverified(
    provinces: dict[str, SyntheticProvince],
) -> None:
    p = personalisation("2.00")
    result = read(provinces["jiangsu"].factory().personalised_card(p), None)
    assert not result.genuine
    assert result.holder is not None
    assert result.holder.name == p.name


def test_card_and_psam_files_with_the_sscard_keys_export(
    provinces: dict[str, SyntheticProvince], tmp_path: Path
) -> None:
    jiangsu = provinces["jiangsu"]
    p = personalisation("3.00", seed=11)
    card_file, psam_file = tmp_path / "card.json", tmp_path / "psam.json"
    save_card(jiangsu.factory().personalised_card(p), card_file)
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text(jiangsu.passphrase.text)
    export = tmp_path / "export.json"
    store = ["--store", str(jiangsu.store_path), "--passphrase-file", str(passphrase)]
    assert (
        keys_main([*store, "export-psam", "--transport", "factory-tk", "--out", str(export)]) == 0
    )
    keys = psam_keys_from_export(json.loads(export.read_text()), jiangsu.transport.value)
    save_psam(SoftPsam.with_keys(keys, "320500000009"), psam_file)

    card_backend, psam_backend = backend_for_card_file(card_file), backend_for_psam_file(psam_file)
    with (
        psam_backend.connect(PSAM_READER) as psam_connection,
        card_backend.connect(DEFAULT_READER) as connection,
    ):
        session = SocialSecurityCardSession(connection, PsamAuthenticator(psam_connection))
        result = identify(session)
    assert result.genuine
    assert result.holder is not None
    assert result.holder.name == p.name


@pytest.mark.parametrize("generation", ["2.00", "3.00"])
def test_a_card_made_before_a_key_rotation_is_still_identified(
    tmp_path: Path, generation: Generation
) -> None:
    province = create_synthetic_province(tmp_path, "320000")
    try:
        before = province.factory().personalised_card(personalisation(generation, seed=21))
        for info in province.store.list_keys():
            if info.purpose.value != "TK":
                province.store.rotate(info.label)
        after = province.factory().personalised_card(personalisation(generation, seed=22))
        psam = psam_for(province, "320100000001")  # holds versions 1 and 2
        assert read(after, psam).genuine
        old = read(before, psam)
        assert old.genuine
        assert old.holder is not None
        # The rotation really changed the keys: a PSAM with only the new version refuses.
        newest_only = psam_for(province, "320100000001")
        newest_only.memory.keys = [k for k in newest_only.memory.keys if k.version == 2]
        with pytest.raises(CardNotGenuine):
            read(before, newest_only)
    finally:
        province.close()
