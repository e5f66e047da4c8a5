"""The synthetic population: every number valid and unique, names fit the card, photos fit EF08."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from readers.card.ethnic_groups import ETHNIC_GROUPS
from readers.card.numbers import (
    normalise_social_security_number,
    parse_card_identification_code,
    parse_social_security_number,
    validate_card_number,
)
from readers.card.regions import city_code, province_of, region_name
from readers.iso7816.codecs import encode_an
from simulators.photo import MAX_PHOTO_BYTES, PHOTO_SIZE, generate_photo
from simulators.population import (
    MAX_POPULATION,
    SyntheticResident,
    _Generator,
    generate_population,
    iter_population,
    make_personalisation,
)

SEED = 20240601
JIANGSU = "320000"
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "司徒", "皇甫")


@pytest.fixture(scope="module")
def population() -> list[SyntheticResident]:
    return generate_population(1000, seed=SEED)


def gbk_length(text: str) -> int:
    return len(text.encode("gbk"))


def test_size_and_determinism(population: list[SyntheticResident]) -> None:
    assert len(population) == 1000
    assert generate_population(1000, seed=SEED) == population
    assert generate_population(50, seed=SEED + 1) != population[:50]


def test_social_security_numbers_are_valid_unique_and_match_the_person(
    population: list[SyntheticResident],
) -> None:
    for resident in population:
        ssn = parse_social_security_number(resident.social_security_number)
        assert ssn.number == resident.social_security_number
        assert ssn.sex == resident.sex
        assert ssn.birth_date == resident.birth_date
        assert ssn.region_code == resident.birthplace
    assert len({r.social_security_number for r in population}) == len(population)


def test_card_numbers_are_valid_and_unique(population: list[SyntheticResident]) -> None:
    for resident in population:
        assert validate_card_number(resident.card_number) == resident.card_number
    assert len({r.card_number for r in population}) == len(population)


def test_card_identification_codes_follow_the_profile_rule(
    population: list[SyntheticResident],
) -> None:
    for resident in population:
        code = parse_card_identification_code(resident.card_identification_code, verify_digest=True)
        assert code.region_code == resident.region_code
        assert code.chip_serial == resident.chip_serial
        assert len(resident.chip_serial) == 4
    assert len({r.chip_serial for r in population}) == len(population)


def test_cards_are_issued_by_jiangsu_cities(population: list[SyntheticResident]) -> None:
    for resident in population:
        assert province_of(resident.region_code) == JIANGSU
        assert city_code(resident.region_code) == resident.region_code
        assert region_name(resident.region_code) is not None


def test_birthplaces_are_mostly_jiangsu_counties_and_always_nameable(
    population: list[SyntheticResident],
) -> None:
    in_jiangsu = [r for r in population if province_of(r.birthplace) == JIANGSU]
    assert 0.8 * len(population) < len(in_jiangsu) < len(population)
    for resident in in_jiangsu:
        assert region_name(resident.birthplace) is not None
        assert city_code(resident.birthplace) != resident.birthplace
    for resident in population:
        assert region_name(province_of(resident.birthplace)) is not None


def test_dates(population: list[SyntheticResident]) -> None:
    for resident in population:
        assert date(1940, 1, 1) <= resident.birth_date <= date(2010, 12, 31)
        assert resident.birth_date < resident.issue_date
        assert resident.expiry_date.year == resident.issue_date.year + 10
        assert resident.expiry_date.month == resident.issue_date.month
        assert resident.expiry_date.day in {resident.issue_date.day, 28}


def test_ethnic_groups_are_gb_3304_and_mostly_han(population: list[SyntheticResident]) -> None:
    groups = Counter(r.ethnic_group for r in population)
    assert set(groups) <= set(ETHNIC_GROUPS)
    assert len(groups) > 3
    assert groups["01"] > 0.8 * len(population)


def test_names_fit_the_name_records_in_gbk(population: list[SyntheticResident]) -> None:
    for resident in population:
        limit = 30 if resident.generation == "1.00" else 50
        assert len(encode_an(resident.name, limit)) == limit
        assert resident.name.strip() == resident.name


def test_long_names_only_on_cards_with_the_name_extension(
    population: list[SyntheticResident],
) -> None:
    long_names = [r for r in population if gbk_length(r.name) > 30]
    assert long_names
    assert {r.generation for r in long_names} <= {"2.00", "3.00"}
    assert all("·" in r.name for r in long_names)


def test_names_include_compound_surnames(population: list[SyntheticResident]) -> None:
    assert any(r.name.startswith(COMPOUND_SURNAMES) for r in population)


def test_all_generations_appear(population: list[SyntheticResident]) -> None:
    assert {r.generation for r in population} == {"1.00", "2.00", "3.00"}


def test_generations_can_be_restricted() -> None:
    residents = generate_population(300, seed=SEED, generations=("1.00",))
    assert {r.generation for r in residents} == {"1.00"}
    assert max(gbk_length(r.name) for r in residents) <= 30


@pytest.mark.parametrize(("n", "generations"), [(-1, ("1.00",)), (1, ()), (1, ("4.00",))])
def test_bad_arguments_are_rejected(n: int, generations: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="must"):
        generate_population(n, seed=SEED, generations=generations)  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**64))
def test_any_seed_gives_valid_numbers(seed: int) -> None:
    for resident in generate_population(20, seed=seed):
        normalise_social_security_number(resident.social_security_number)
        validate_card_number(resident.card_number)
        parse_card_identification_code(resident.card_identification_code, verify_digest=True)


def test_make_personalisation(population: list[SyntheticResident]) -> None:
    resident = population[0]
    card = make_personalisation(resident)
    assert card.generation == resident.generation
    assert card.social_security_number == resident.social_security_number
    assert card.card_number == resident.card_number
    assert card.card_identification_code == resident.card_identification_code
    assert card.chip_serial == resident.chip_serial
    assert card.region_code == resident.region_code
    assert card.name == resident.name
    assert card.birth_date == f"{resident.birth_date:%Y%m%d}"
    assert card.issue_date == f"{resident.issue_date:%Y%m%d}"
    assert card.expiry_date == f"{resident.expiry_date:%Y%m%d}"
    assert card.photo == generate_photo(resident.photo_seed)
    assert make_personalisation(resident, with_photo=False).photo == b""


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 123456789])
def test_photos_are_small_id_sized_jpegs(seed: int) -> None:
    photo = generate_photo(seed)
    assert photo.startswith(b"\xff\xd8")
    assert photo.endswith(b"\xff\xd9")
    assert len(photo) <= MAX_PHOTO_BYTES == 16384
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == "JPEG"
        assert image.size == PHOTO_SIZE == (102, 126)


def test_photos_are_deterministic_and_vary(population: list[SyntheticResident]) -> None:
    assert generate_photo(7) == generate_photo(7)
    photos = {generate_photo(r.photo_seed) for r in population[:20]}
    assert len(photos) == 20


def test_iter_population_gives_the_same_residents_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert list(iter_population(50, seed=SEED)) == generate_population(50, seed=SEED)
    made = []
    real = _Generator.resident
    monkeypatch.setattr(_Generator, "resident", lambda self: made.append(1) or real(self))
    residents = iter_population(MAX_POPULATION, seed=SEED)
    first = next(residents)
    assert len(made) == 1  # the other 9,999,999 are made only when asked for
    assert first == generate_population(1, seed=SEED)[0]


@pytest.mark.parametrize(("n", "generations"), [(-1, ("1.00",)), (1, ()), (1, ("4.00",))])
def test_iter_population_refuses_bad_arguments_before_any_resident(
    n: int, generations: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match="must"):
        iter_population(n, seed=SEED, generations=generations)  # type: ignore[arg-type]
