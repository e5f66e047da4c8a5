"""Pure rules for platforms: levels, GB/T 2260 region codes, the guidance's names, unified codes."""

from __future__ import annotations

from enum import StrEnum

from cardsvc.errors import InvalidDataError


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    street = "street"  # 街道（乡镇）人力资源和社会保障服务中心
    community = "community"  # 社区（村）人力资源和社会保障服务站


class Kind(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    street = "street"
    township = "township"
    community = "community"
    village = "village"


LEVEL_OF_KIND: dict[Kind, Level] = {
    Kind.province: Level.province,
    Kind.city: Level.city,
    Kind.county: Level.county,
    Kind.street: Level.street,
    Kind.township: Level.street,
    Kind.community: Level.community,
    Kind.village: Level.community,
}

PARENT_LEVEL: dict[Level, Level | None] = {
    Level.province: None,
    Level.city: Level.province,
    Level.county: Level.city,
    Level.street: Level.county,
    Level.community: Level.street,
}

CENTRE = "人力资源和社会保障服务中心"
STATION = "人力资源和社会保障服务站"

# kind → (suffix appended to the base name unless already there, platform suffix)
_NAMING: dict[Kind, tuple[tuple[str, ...], str]] = {
    Kind.street: (("街道",), CENTRE),
    Kind.township: (("镇", "乡"), CENTRE),
    Kind.community: (("社区",), STATION),
    Kind.village: (("村",), STATION),
}


def platform_name(kind: Kind, base_name: str) -> str:
    """The prescribed name: street ``玄武门`` → ``玄武门街道人力资源和社会保障服务中心``.

    Administrative levels (province, city, county) keep their own name (``南京市``).
    """
    base = base_name.strip()
    if not base:
        raise InvalidDataError("平台名称不能为空", code="invalid_platform_name")
    if kind not in _NAMING:
        return base
    suffixes, platform_suffix = _NAMING[kind]
    if kind is Kind.township and not base.endswith(suffixes):
        raise InvalidDataError("乡镇名称应以“镇”或“乡”结尾", code="invalid_platform_name")
    if not base.endswith(suffixes):
        base += suffixes[0]
    return base + platform_suffix


def check_region_code(level: Level, region_code: str, parent_region_code: str | None) -> None:
    """GB/T 2260 shape per level; street and community platforms use their county's code."""
    if len(region_code) != 6 or not (region_code.isascii() and region_code.isdigit()):
        raise InvalidDataError("行政区划代码应为6位数字", code="invalid_region_code")
    if level is Level.province:
        ok = region_code.endswith("0000") and region_code != "000000"
    elif level is Level.city:
        ok = region_code.endswith("00") and not region_code.endswith("0000")
    elif level is Level.county:
        ok = not region_code.endswith("00")
    else:
        ok = region_code == parent_region_code
    if ok and parent_region_code is not None and level in (Level.city, Level.county):
        prefix_length = 2 if level is Level.city else 4
        ok = region_code[:prefix_length] == parent_region_code[:prefix_length]
    if not ok:
        raise InvalidDataError("行政区划代码与平台层级或上级平台不符", code="invalid_region_code")


def unified_code(
    level: Level, region_code: str, parent_unified_code: str | None, sequence: int
) -> str:
    """Region code for administrative levels; the parent's code + a 3-digit sequence below.

    A street centre is ``county region code + NNN`` (9 digits), a community station
    ``street code + NNN`` (12 digits), mirroring the statistical division codes.
    """
    if level in (Level.province, Level.city, Level.county):
        return region_code
    if parent_unified_code is None or not 1 <= sequence <= 999:
        raise InvalidDataError("平台序号应在1至999之间", code="invalid_platform_sequence")
    return f"{parent_unified_code}{sequence:03d}"


def region_path(region_code: str) -> str:
    """The path of the administrative platform that governs a GB/T 2260 region.

    Administrative platforms are coded by their region, each under the level above
    (``unified_code``): ``320102`` → ``/320000/320100/320102/``, ``320100`` →
    ``/320000/320100/``. A clerk's jurisdiction covers a region when it covers this path.
    """
    chain = dict.fromkeys((region_code[:2] + "0000", region_code[:4] + "00", region_code))
    return "/" + "".join(f"{code}/" for code in chain)


def path_region(platform_path: str) -> str:
    """The GB/T 2260 region of the administrative platform nearest above a path (a street
    or community platform lies in its county): ``/320000/320100/320102/320102001/`` →
    ``320102``."""
    return [code for code in platform_path.strip("/").split("/") if len(code) == 6][-1]
