"""Synthetic residents and their cards, for soft cards, demos and tests. No real person's data.

``generate_population(n, seed=…)`` gives the same residents for the same seed: valid and
unique social security numbers, card numbers and chip serials; mostly Jiangsu-born Han
residents, some born in other provinces or of other ethnic groups, and a few long
transliterated names (over 30 GBK bytes) on 2.00/3.00 cards, which need the name
extension record. ``make_personalisation`` turns one into what a soft card is built from.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from readers.card.numbers import (
    CARD_NUMBER_ALPHABET,
    build_card_identification_code,
    build_social_security_number,
    card_number_check_character,
)
from readers.card.regions import city_code, province_of, provinces, subdivisions
from simulators.card.personalisation import GENERATIONS, CardPersonalisation, Generation
from simulators.photo import generate_photo

# The most residents one run makes: the numbers handed out are kept to keep them unique
# (about 200 bytes a resident, 2 GB at the most).
MAX_POPULATION = 10_000_000
NAME_BYTES_BASIC = 30  # EF06 tag 09: all a 1.00 card can hold
NAME_BYTES_EXTENDED = 50  # tag 09 + extension tag 4E on 2.00/3.00 cards

_BIRTH_DATES = (date(1940, 1, 1), date(2010, 12, 31))
_ISSUE_DATES: dict[Generation, tuple[date, date]] = {
    "1.00": (date(2005, 1, 1), date(2012, 12, 31)),
    "2.00": (date(2012, 1, 1), date(2019, 12, 31)),
    "3.00": (date(2019, 1, 1), date(2025, 6, 30)),
}
_VALID_YEARS = 10
_BORN_OUTSIDE_JIANGSU = 0.12
_LONG_NAME_SHARE = 0.5  # of Uyghur names on cards that can hold them

# GB 3304 code: weight. 05 (维吾尔族) residents get transliterated names.
_ETHNIC_WEIGHTS = {"01": 900, "03": 25, "05": 30, "11": 12, "08": 10, "06": 8, "15": 8, "02": 7}
_JIANGSU = "320000"
_UYGHUR = "05"
_XINJIANG_CAPITAL = "650100"  # 乌鲁木齐市

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严武戴莫孔向汤缪浦殷俞"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "慕容",
    "司徒",
    "皇甫",
    "尉迟",
    "公孙",
    "夏侯",
    "令狐",
    "宇文",
    "长孙",
)
_COMPOUND_SHARE = 0.03
_GIVEN_MALE = "伟强磊军洋勇杰涛明超刚建国文斌辉鹏宇浩然俊博睿志鑫海峰凯亮健波宁成旭阳林德荣昊天翔"
_GIVEN_FEMALE = "芳娜敏静丽艳娟秀霞平桂英华玉兰欣怡涵雨晨思佳嘉婷雪琳晶颖慧红梅春丹萍燕月琴蕾薇"
_UYGHUR_MALE = (
    "买买提",
    "艾力",
    "阿不都热合曼",
    "努尔麦麦提",
    "吐尔逊",
    "艾合买提江",
    "阿不力孜",
    "库尔班",
    "热合曼",
    "亚森",
    "依明",
    "阿布都克力木",
    "艾尼瓦尔",
    "买合木提",
    "阿卜杜萨拉木",
    "穆罕默德艾力",
)
_UYGHUR_FEMALE = (
    "古丽娜尔",
    "热依拉",
    "阿依古丽",
    "帕提古丽",
    "米热古丽",
    "阿依努尔",
    "祖丽皮亚",
    "热孜万古丽",
    "布维海丽且姆",
)
_NAME_SEPARATOR = "·"  # GBK A1A4, as on ID cards

_T = TypeVar("_T")


@dataclass(frozen=True)
class SyntheticResident:
    """A made-up resident and the card issued to them."""

    name: str
    sex: str  # "1" male, "2" female
    ethnic_group: str  # GB 3304, 2 digits
    birth_date: date
    birthplace: str  # GB/T 2260, 6 digits
    social_security_number: str
    generation: Generation
    region_code: str  # the issuing Jiangsu city
    card_number: str
    chip_serial: bytes
    card_identification_code: bytes
    issue_date: date
    expiry_date: date
    photo_seed: int


def generate_population(
    n: int, *, seed: int, generations: Iterable[Generation] = GENERATIONS
) -> list[SyntheticResident]:
    """``n`` synthetic residents, each with a card of one of ``generations``.

    The same ``n``, ``seed`` and ``generations`` always give the same residents. For many,
    ``iter_population`` gives them one at a time instead of all at once.
    """
    return list(iter_population(n, seed=seed, generations=generations))


def iter_population(
    n: int, *, seed: int, generations: Iterable[Generation] = GENERATIONS
) -> Iterator[SyntheticResident]:
    """The residents of ``generate_population``, the same for the same arguments, made one
    at a time as they are asked for (only the numbers already handed out are kept, to keep
    them unique: about 200 bytes a resident)."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    allowed = tuple(generations)
    if not allowed or any(g not in GENERATIONS for g in allowed):
        raise ValueError(f"generations must be a non-empty choice of {GENERATIONS}")
    generator = _Generator(random.Random(seed), allowed)
    return (generator.resident() for _ in range(n))


def make_personalisation(
    resident: SyntheticResident, *, with_photo: bool = True
) -> CardPersonalisation:
    """What a soft card for ``resident`` is personalised with; the photo is generated."""
    return CardPersonalisation(
        generation=resident.generation,
        chip_serial=resident.chip_serial,
        region_code=resident.region_code,
        card_identification_code=resident.card_identification_code,
        card_number=resident.card_number,
        issue_date=f"{resident.issue_date:%Y%m%d}",
        expiry_date=f"{resident.expiry_date:%Y%m%d}",
        social_security_number=resident.social_security_number,
        name=resident.name,
        sex=resident.sex,
        ethnic_group=resident.ethnic_group,
        birthplace=resident.birthplace,
        birth_date=f"{resident.birth_date:%Y%m%d}",
        photo=generate_photo(resident.photo_seed) if with_photo else b"",
    )


class _Generator:
    """One population's random source and the numbers already handed out."""

    def __init__(self, rng: random.Random, generations: tuple[Generation, ...]) -> None:
        self._rng = rng
        self._generations = generations
        self._jiangsu_cities = subdivisions(_JIANGSU)
        # Capitals (xx0100) of the other mainland provinces; 71–82 issue no such numbers.
        self._other_capitals = tuple(
            p[:2] + "0100" for p in provinces() if p != _JIANGSU and p < "700000"
        )
        self._jiangsu_counties = tuple(
            c for city in self._jiangsu_cities for c in subdivisions(city)
        )
        # The numbers handed out, as ints: a third smaller than the strings themselves.
        self._ssns: set[int] = set()
        self._card_numbers: set[int] = set()
        self._chip_serials: set[int] = set()

    def resident(self) -> SyntheticResident:
        rng = self._rng
        generation = rng.choice(self._generations)
        sex = rng.choice("12")
        ethnic_group = rng.choices(list(_ETHNIC_WEIGHTS), weights=list(_ETHNIC_WEIGHTS.values()))[0]
        if ethnic_group == _UYGHUR:
            birthplace = _XINJIANG_CAPITAL
            long_name = generation != "1.00" and rng.random() < _LONG_NAME_SHARE
            name = self._uyghur_name(sex, long=long_name)
        else:
            birthplace = self._birthplace()
            name = self._han_name(sex)
        birth_date = _random_date(rng, *_BIRTH_DATES)
        region_code = (
            city_code(birthplace)
            if province_of(birthplace) == _JIANGSU
            else rng.choice(self._jiangsu_cities)
        )
        chip_serial = _draw_unique(self._chip_serials, lambda: rng.randbytes(4), _bytes_key)
        start, end = _ISSUE_DATES[generation]
        issue_date = _random_date(rng, max(start, birth_date + timedelta(days=30)), end)
        return SyntheticResident(
            name=name,
            sex=sex,
            ethnic_group=ethnic_group,
            birth_date=birth_date,
            birthplace=birthplace,
            social_security_number=self._ssn(birthplace, birth_date, sex),
            generation=generation,
            region_code=region_code,
            card_number=_draw_unique(self._card_numbers, self._card_number, _card_number_key),
            chip_serial=chip_serial,
            card_identification_code=build_card_identification_code(region_code, chip_serial),
            issue_date=issue_date,
            expiry_date=_add_years(issue_date, _VALID_YEARS),
            photo_seed=rng.getrandbits(32),
        )

    def _birthplace(self) -> str:
        if self._rng.random() < _BORN_OUTSIDE_JIANGSU:
            return self._rng.choice(self._other_capitals)
        return self._rng.choice(self._jiangsu_counties)

    def _ssn(self, region_code: str, birth_date: date, sex: str) -> str:
        # The sequence's parity is the sex: odd for men, even for women.
        first = 1 if sex == "1" else 2
        return _draw_unique(
            self._ssns,
            lambda: build_social_security_number(
                region_code, birth_date, self._rng.randrange(first, 1000, 2)
            ),
            _ssn_key,
        )

    def _card_number(self) -> str:
        body = "".join(self._rng.choices(CARD_NUMBER_ALPHABET, k=8))
        return body + card_number_check_character(body)

    def _han_name(self, sex: str) -> str:
        rng = self._rng
        if rng.random() < _COMPOUND_SHARE:
            surname = rng.choice(_COMPOUND_SURNAMES)
        else:
            surname = rng.choice(_SURNAMES)
        pool = _GIVEN_MALE if sex == "1" else _GIVEN_FEMALE
        return surname + "".join(rng.choices(pool, k=rng.choice((1, 2, 2, 2))))

    def _uyghur_name(self, sex: str, *, long: bool) -> str:
        """Own name · father's name; a long name adds forebears until it needs record 4E."""
        rng = self._rng
        own = rng.choice(_UYGHUR_MALE if sex == "1" else _UYGHUR_FEMALE)
        if not long:
            return _NAME_SEPARATOR.join((own, rng.choice(_UYGHUR_MALE)))
        while True:
            forebears = rng.sample(_UYGHUR_MALE, k=len(_UYGHUR_MALE))
            for count in range(1, len(forebears) + 1):
                name = _NAME_SEPARATOR.join((own, *forebears[:count]))
                if _gbk_length(name) > NAME_BYTES_BASIC:
                    break
            if _gbk_length(name) <= NAME_BYTES_EXTENDED:
                return name


def _draw_unique(issued: set[int], draw: Callable[[], _T], key: Callable[[_T], int]) -> _T:
    """Draw until the value's ``key`` is new to ``issued``, then record it."""
    while True:
        value = draw()
        drawn = key(value)
        if drawn not in issued:
            issued.add(drawn)
            return value


def _bytes_key(value: bytes) -> int:
    return int.from_bytes(value, "big")


def _card_number_key(number: str) -> int:
    return int(number[:8], 36)  # the body; the check character follows from it


def _ssn_key(number: str) -> int:
    return int(number[:17])  # region, birth date, sequence; the check character follows


def _gbk_length(text: str) -> int:
    return len(text.encode("gbk"))


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)
