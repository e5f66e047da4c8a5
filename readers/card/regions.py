"""GB/T 2260 region codes: every Jiangsu unit down to county level, other provinces by name.

The table ships as ``readers/card/data/regions_jiangsu.csv`` (columns ``code,name,parent``)
and is read once, on first use. Codes outside it are still well-formed region codes:
``province_of`` and ``city_code`` work on any six digits, so a birthplace in another
province can be named at province level with ``region_name(province_of(code))``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

_DATA_FILE = "regions_jiangsu.csv"


@dataclass(frozen=True)
class _Region:
    name: str
    parent: str | None


@cache
def _regions() -> dict[str, _Region]:
    text = resources.files("readers.card").joinpath("data", _DATA_FILE).read_text("utf-8")
    return {
        row["code"]: _Region(row["name"], row["parent"] or None)
        for row in csv.DictReader(io.StringIO(text))
    }


def _checked(code: str) -> str:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValueError(f"a region code is 6 digits, got {code!r}")
    return code


def region_name(code: str) -> str | None:
    """The official name of a region (``"320102"`` → ``"玄武区"``), None when not in the table."""
    region = _regions().get(code)
    return region.name if region else None


def is_known_region(code: str) -> bool:
    """Whether the code is in the table (a Jiangsu unit or a provincial-level code)."""
    return code in _regions()


def city_code(code: str) -> str:
    """The prefecture-level code of a region: its first four digits + ``"00"``."""
    return _checked(code)[:4] + "00"


def province_of(code: str) -> str:
    """The provincial-level code of a region: its first two digits + ``"0000"``."""
    return _checked(code)[:2] + "0000"


def subdivisions(code: str) -> tuple[str, ...]:
    """The codes the table lists directly under ``code``, in code order.

    ``subdivisions("320000")`` gives Jiangsu's 13 cities, ``subdivisions("320100")``
    Nanjing's districts; provinces other than Jiangsu have none in the table.
    """
    _checked(code)
    return tuple(sorted(child for child, r in _regions().items() if r.parent == code))


def provinces() -> tuple[str, ...]:
    """Every provincial-level code in the table (Jiangsu and the other 33), in code order."""
    return tuple(sorted(code for code, r in _regions().items() if r.parent is None))


def describe_region(code: str) -> str | None:
    """The fullest name the table gives: ``"320102"`` → ``"江苏省南京市玄武区"``.

    A code outside the table is named by its nearest listed parent (``"620100"`` →
    ``"甘肃省"``); None when even its province is unknown or the code is malformed.
    """
    try:
        _checked(code)
    except ValueError:
        return None
    names: list[str] = []
    for level in (province_of(code), city_code(code), code):
        name = region_name(level)
        if name and name not in names:
            names.append(name)
    return "".join(names) or None
