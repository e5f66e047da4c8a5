"""The synthetic population in cardsvc's import format (docs/import-formats.md).

``write_population_csv`` is registered as the ``synthetic`` entry point of
``sscard.population_sources``: ``cardsvc seed`` finds it there and loads the files
with its bulk import, so the service never imports the simulators. The columns are
the importer's own (``cardsvc.imports.rows``), so writer and reader cannot drift apart.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from cardsvc.imports.rows import CARD_COLUMNS, RESIDENT_COLUMNS
from readers.card.regions import describe_region
from simulators.population import SyntheticResident, generate_population

_ROADS = "中山北京人民解放建设和平长江黄河新华胜利"


def _address(region_code: str, index: int) -> str:
    region = describe_region(region_code) or "江苏省"
    road = _ROADS[index % len(_ROADS)] + _ROADS[(index // len(_ROADS)) % len(_ROADS)]
    return f"{region}{road}路{index % 400 + 1}号"


def write_residents_csv(
    residents: Iterable[SyntheticResident], path: Path, communities: Sequence[str]
) -> int:
    """Residents, spread round-robin over the ``communities`` (unified codes); the row count."""
    if not communities:
        raise ValueError("at least one community code is needed")
    count = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(RESIDENT_COLUMNS)
        for index, resident in enumerate(residents):
            writer.writerow(
                (
                    resident.social_security_number,
                    resident.name,
                    resident.sex,
                    resident.birth_date.isoformat(),
                    resident.ethnic_group,
                    _address(resident.birthplace, index),
                    _address(resident.region_code, index + 7),
                    communities[index % len(communities)],
                )
            )
            count += 1
    return count


def write_cards_csv(residents: Iterable[SyntheticResident], path: Path) -> int:
    """Each resident's card, handed over and in use (status ``normal``); the row count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CARD_COLUMNS)
        for resident in residents:
            writer.writerow(
                (
                    resident.card_number,
                    resident.card_identification_code.hex().upper(),
                    resident.social_security_number,
                    resident.generation,
                    1,
                    resident.issue_date.isoformat(),
                    resident.expiry_date.isoformat(),
                    "normal",
                )
            )
            count += 1
    return count


def write_population_csv(
    count: int, directory: Path, *, seed: int, communities: Sequence[str]
) -> None:
    """``residents.csv`` and ``cards.csv`` for ``count`` synthetic residents in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    residents = generate_population(count, seed=seed)
    write_residents_csv(residents, directory / "residents.csv", communities)
    write_cards_csv(residents, directory / "cards.csv")
