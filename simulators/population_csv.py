"""The synthetic population in cardsvc's import format (docs/import-formats.md).

``write_population_csv`` is registered as the ``synthetic`` entry point of
``sscard.population_sources``: ``cardsvc seed`` finds it there and loads the files
with its bulk import, so the service never imports the simulators. The columns are
the importer's own (``cardsvc.imports.rows``), so writer and reader cannot drift apart.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from cardsvc.imports.rows import CARD_COLUMNS, RESIDENT_COLUMNS
from readers.card.regions import describe_region
from simulators.population import SyntheticResident, iter_population

_ROADS = "中山北京人民解放建设和平长江黄河新华胜利"


def _address(region_code: str, index: int) -> str:
    region = describe_region(region_code) or "江苏省"
    road = _ROADS[index % len(_ROADS)] + _ROADS[(index // len(_ROADS)) % len(_ROADS)]
    return f"{region}{road}路{index % 400 + 1}号"


def write_residents_csv(
    residents: Iterable[SyntheticResident], path: Path, communities: Sequence[str]
) -> int:
    """Residents, spread round-robin over the ``communities`` (unified codes); the row count."""
    _require_communities(communities)
    with _new_file(path) as file:
        writer = csv.writer(file)
        writer.writerow(RESIDENT_COLUMNS)
        count = 0
        for index, resident in enumerate(residents):
            writer.writerow(_resident_row(resident, index, communities))
            count += 1
    return count


def write_cards_csv(residents: Iterable[SyntheticResident], path: Path) -> int:
    """Each resident's card, handed over and in use (status ``normal``); the row count."""
    with _new_file(path) as file:
        writer = csv.writer(file)
        writer.writerow(CARD_COLUMNS)
        count = 0
        for resident in residents:
            writer.writerow(_card_row(resident))
            count += 1
    return count


def write_population_files(
    residents: Iterable[SyntheticResident], directory: Path, communities: Sequence[str]
) -> int:
    """``residents.csv`` and ``cards.csv`` in ``directory``, both written in one pass over
    ``residents`` (each resident is made, written and forgotten); the row count.

    Each file is written beside its place and renamed there when complete: a run that stops
    half-way leaves no half-written file.
    """
    _require_communities(communities)
    with (
        _new_file(directory / "residents.csv") as residents_file,
        _new_file(directory / "cards.csv") as cards_file,
    ):
        resident_rows, card_rows = csv.writer(residents_file), csv.writer(cards_file)
        resident_rows.writerow(RESIDENT_COLUMNS)
        card_rows.writerow(CARD_COLUMNS)
        count = 0
        for index, resident in enumerate(residents):
            resident_rows.writerow(_resident_row(resident, index, communities))
            card_rows.writerow(_card_row(resident))
            count += 1
    return count


def write_population_csv(
    count: int, directory: Path, *, seed: int, communities: Sequence[str]
) -> None:
    """``residents.csv`` and ``cards.csv`` for ``count`` synthetic residents in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    write_population_files(iter_population(count, seed=seed), directory, communities)


def _require_communities(communities: Sequence[str]) -> None:
    if not communities:
        raise ValueError("at least one community code is needed")


def _resident_row(
    resident: SyntheticResident, index: int, communities: Sequence[str]
) -> tuple[str, ...]:
    return (
        resident.social_security_number,
        resident.name,
        resident.sex,
        resident.birth_date.isoformat(),
        resident.ethnic_group,
        _address(resident.birthplace, index),
        _address(resident.region_code, index + 7),
        communities[index % len(communities)],
    )


def _card_row(resident: SyntheticResident) -> tuple[str | int, ...]:
    return (
        resident.card_number,
        resident.card_identification_code.hex().upper(),
        resident.social_security_number,
        resident.generation,
        1,
        resident.issue_date.isoformat(),
        resident.expiry_date.isoformat(),
        "normal",
    )


@contextlib.contextmanager
def _new_file(path: Path) -> Iterator[TextIO]:
    """A text file written beside ``path`` and renamed to it once complete (removed if
    writing fails or stops)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
