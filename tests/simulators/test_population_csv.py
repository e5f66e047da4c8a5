from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.population import SyntheticResident, generate_population, iter_population
from simulators.population_csv import (
    CARD_COLUMNS,
    RESIDENT_COLUMNS,
    write_population_csv,
    write_population_files,
    write_residents_csv,
)


def test_files_follow_the_import_format(tmp_path: Path) -> None:
    write_population_csv(25, tmp_path, seed=3, communities=["320102001001", "320102001002"])
    residents = list(csv.DictReader((tmp_path / "residents.csv").read_text("utf-8").splitlines()))
    cards = list(csv.DictReader((tmp_path / "cards.csv").read_text("utf-8").splitlines()))
    assert tuple(residents[0]) == RESIDENT_COLUMNS
    assert tuple(cards[0]) == CARD_COLUMNS
    assert len(residents) == len(cards) == 25
    assert {r["community_code"] for r in residents} == {"320102001001", "320102001002"}
    assert [c["social_security_number"] for c in cards] == [
        r["social_security_number"] for r in residents
    ]
    assert all(len(c["card_identification_code"]) == 32 for c in cards)


def test_same_seed_same_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_population_csv(10, tmp_path / name, seed=9, communities=["320102001001"])
    for file in ("residents.csv", "cards.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_communities_are_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="community"):
        write_residents_csv(generate_population(1, seed=1), tmp_path / "r.csv", [])


def test_both_files_are_written_in_one_pass(tmp_path: Path) -> None:
    drawn = []

    def residents() -> Iterator[SyntheticResident]:
        for resident in iter_population(30, seed=3):
            drawn.append(resident)
            yield resident

    assert write_population_files(residents(), tmp_path, ["320102001001"]) == 30
    assert len(drawn) == 30  # each resident made once, for both files
    write_population_csv(30, tmp_path / "whole", seed=3, communities=["320102001001"])
    for file in ("residents.csv", "cards.csv"):
        assert (tmp_path / file).read_bytes() == (tmp_path / "whole" / file).read_bytes()


def test_a_run_stopped_half_way_leaves_no_half_written_file(tmp_path: Path) -> None:
    def interrupted() -> Iterator[SyntheticResident]:
        yield from iter_population(5, seed=3)
        raise KeyboardInterrupt  # Ctrl-C after five residents

    with pytest.raises(KeyboardInterrupt):
        write_population_files(interrupted(), tmp_path, ["320102001001"])
    assert list(tmp_path.iterdir()) == []  # neither file, nor a temporary one
