"""Pages of residents and lookups on a 10⁶-resident register (PostgreSQL): what a page,
its total and each kind of lookup cost at every level of jurisdiction, and the plans.

What it runs
    A database ``sscard_bench_lists`` on the PostgreSQL server at ``--postgres``, made
    once and reused while it holds ``--residents`` residents (``--drop`` removes it at
    the end): the migrations, a province of 4 cities × 3 districts × 5 streets × 4
    communities (240 community stations, about 4,200 residents each), and the residents
    loaded with COPY, names drawn from common surnames and given names (so a common name
    repeats as in life), then ``ANALYZE``.

    Each case calls the service's own repository (``ResidentRepository.within``, so
    ``kit.pagination.paginate``) in a read-only transaction, as a request would: the
    statements it sends are captured and each is run once more under
    ``EXPLAIN (ANALYZE, BUFFERS)``. The baseline is the exact count a page would pay for
    without the cap (``SELECT count(*)`` over the same jurisdiction).

Figures printed
    For each case: p50 and max of the whole call in ms (``--repeats`` runs after one
    warm-up), the total it answered (``+``: at least), how many statements it sent, and
    the plan's top nodes with their time; then the exact-count baseline per level.

    .venv/bin/python bench/resident_lists.py [--residents N] [--repeats R]
                                             [--postgres URL] [--drop]

About 2 minutes the first time (the load), 20 s after.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.orm import Session

from cardsvc.kit.bulk import bulk_insert
from cardsvc.kit.database import make_engine
from cardsvc.kit.pagination import PageRequest
from cardsvc.migrations import upgrade
from cardsvc.platforms.models import Platform
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind, Level
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import build_platform
from cardsvc.residents.models import Resident
from cardsvc.residents.repository import ResidentRepository
from cardsvc.residents.rules import Sex, ssn_check_character

DATABASE = "sscard_bench_lists"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建"
    "华志强海燕丹凤琳欣怡子涵浩然雨轩梓萱思远"
)
NUMERALS = "一二三四五六七八九十"


def _admin(server: str, statement: str) -> None:
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _residents_in(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM residents")) or 0)
    except Exception:
        return -1
    finally:
        engine.dispose()


def _platforms(session: Session) -> list[Platform]:
    """The province's platforms, communities last."""
    repository = PlatformRepository(session)

    def make(parent: Platform | None, kind: Kind, region: str, base: str) -> Platform:
        data = PlatformCreate(kind=kind, region_code=region, base_name=base)
        return build_platform(repository, parent, data)

    province = make(None, Kind.province, "320000", "江苏省")
    made = [province]
    for c in range(1, 5):
        city = make(province, Kind.city, f"32{c:02d}00", f"第{NUMERALS[c - 1]}市")
        made.append(city)
        for d in range(2, 5):
            county = make(city, Kind.county, f"32{c:02d}{d:02d}", f"第{NUMERALS[d - 1]}区")
            made.append(county)
            for s in range(5):
                street = make(county, Kind.street, county.region_code, f"{NUMERALS[s]}里")
                made.append(street)
                for n in range(4):
                    base = f"{NUMERALS[s]}里{NUMERALS[n]}"
                    made.append(make(street, Kind.community, county.region_code, base))
    session.flush()
    return made


def _names(rng: random.Random) -> Iterator[str]:
    given = [GIVEN[i : i + 1] for i in range(len(GIVEN))]
    while True:
        surname = SURNAMES[min(int(rng.expovariate(1 / 12)), len(SURNAMES) - 1)]
        first = given[min(int(rng.expovariate(1 / 10)), len(given) - 1)]
        yield surname + (first if rng.random() < 0.35 else first + rng.choice(given))


def _resident_rows(communities: list[Platform], count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(2026)
    names = _names(rng)
    days = (date(2010, 12, 31) - date(1930, 1, 1)).days
    now = datetime.now(UTC)
    for i in range(count):
        # Registered over the years: a community's residents spread over the whole table.
        community = communities[rng.randrange(len(communities))]
        birth = date(1930, 1, 1) + timedelta(days=i % days)
        sequence = 1 + i // days
        first17 = f"{community.region_code}{birth:%Y%m%d}{sequence:03d}"
        yield {
            "id": i + 1,
            "social_security_number": first17 + ssn_check_character(first17),
            "name": next(names),
            "sex": "1" if sequence % 2 else "2",
            "birth_date": birth,
            "ethnic_group": "01",
            "household_registration": "江苏省",
            "current_address": "江苏省",
            "platform_id": community.id,
            "created_at": now,
            "version": 1,
        }


def ensure_database(server: str, residents: int) -> str:
    url = f"{server}/{DATABASE}"
    if _residents_in(url) == residents:
        print(f"  {DATABASE}: reusing ({residents:,} residents)", flush=True)
        return url
    print(f"  {DATABASE}: loading {residents:,} residents ...", flush=True)
    _admin(server, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin(server, f"CREATE DATABASE {DATABASE}")
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        platforms = _platforms(session)
        communities = [p for p in platforms if p.level is Level.community]
        table = Resident.metadata.tables["residents"]
        bulk_insert(session, table, _resident_rows(communities, residents))
        session.execute(
            text("SELECT setval('residents_id_seq', (SELECT max(id) FROM residents))")
        )
        session.commit()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    return url


@dataclass
class Case:
    name: str
    level: Level
    call: Callable[[ResidentRepository, str], Any]


def _common_name(session: Session) -> tuple[str, int]:
    row = session.execute(
        select(Resident.name, func.count())
        .group_by(Resident.name)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    return str(row[0]), int(row[1])


def _rare_name(session: Session) -> str:
    return str(
        session.scalar(
            select(Resident.name).group_by(Resident.name).having(func.count() == 1).limit(1)
        )
    )


def _explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        lines = [str(row[0]) for row in cursor.fetchall()]
        connection.rollback()
    return lines


def _summary(plan: list[str]) -> str:
    """The plan's node lines (no detail lines), shortened, and the execution time."""
    nodes = [
        line.strip().lstrip("-> ").split("  (")[0]
        for line in plan
        if "(cost=" in line and "never executed" not in line
    ]
    execution = next((line for line in plan if line.startswith("Execution Time")), "")
    return " / ".join(nodes[:6]) + f"  [{execution}]"


def run(url: str, repeats: int) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        paths = {
            level: session.scalars(
                select(Platform.path).where(Platform.level == level).order_by(Platform.id)
            ).first()
            for level in Level
        }
        common, common_count = _common_name(session)
        rare = _rare_name(session)
        number = session.scalar(
            select(Resident.social_security_number).order_by(Resident.id.desc()).limit(1)
        )
    print(f"  most common name: {common} ×{common_count:,}; a rare one: {rare}")
    page = PageRequest(50, 0)
    cases = [
        *(
            Case(f"page 1, {level.value}", level, lambda r, p: r.within(p, page))
            for level in Level
        ),
        Case(
            "page at offset 5,000, county",
            Level.county,
            lambda r, p: r.within(p, PageRequest(50, 5_000)),
        ),
        Case(
            "page at offset 50,000, city",
            Level.city,
            lambda r, p: r.within(p, PageRequest(50, 50_000)),
        ),
        Case(
            "number, province",
            Level.province,
            lambda r, p: r.within(p, page, social_security_number=number),
        ),
        Case("common name, province", Level.province, lambda r, p: r.within(p, page, name=common)),
        Case("common name, street", Level.street, lambda r, p: r.within(p, page, name=common)),
        Case(
            "common name + sex + year, province",
            Level.province,
            lambda r, p: r.within(p, page, name=common, sex=Sex.male, born_in=1975),
        ),
        Case("rare name, province", Level.province, lambda r, p: r.within(p, page, name=rare)),
    ]
    print(f"\n  {'case':<38} {'p50 ms':>8} {'max ms':>8} {'total':>9} {'stmts':>5}  plan")
    for case in cases:
        path = paths[case.level]
        assert path is not None
        captured: list[tuple[str, Any]] = []

        def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
            captured.append((statement, parameters))  # noqa: B023 - per case, on purpose

        times = []
        found = None
        for attempt in range(repeats + 1):
            with Session(engine) as session:
                session.execute(text("SET TRANSACTION READ ONLY"))
                if attempt == 0:
                    event.listen(engine, "before_cursor_execute", capture)
                started = time.perf_counter()
                found = case.call(ResidentRepository(session), path)
                elapsed = (time.perf_counter() - started) * 1000
                if attempt == 0:
                    event.remove(engine, "before_cursor_execute", capture)
                else:
                    times.append(elapsed)
        assert found is not None
        statements = [(s, p) for s, p in captured if not s.startswith("SET ")]
        total = f"{found.total:,}{'' if found.total_exact else '+'}"
        print(
            f"  {case.name:<38} {statistics.median(times):8.2f} {max(times):8.2f} "
            f"{total:>9} {len(statements):>5}"
        )
        for statement, parameters in statements:
            kind = "count" if "count(" in statement else "rows"
            print(f"      {kind}: {_summary(_explain(engine, statement, parameters))}")
    print("\n  baseline: the exact count of a jurisdiction (what the cap saves)")
    for level in Level:
        with Session(engine) as session:
            query = (
                select(func.count())
                .select_from(Resident)
                .join(Resident.platform)
                .where(Platform.path.startswith(paths[level] or "/", autoescape=True))
            )
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                exact = session.scalar(query)
                times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        print(f"  exact count, {level.value:<10} {median:8.2f} ms  {exact:>9,}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"resident lists on {args.residents:,} residents ({started})")
    url = ensure_database(args.postgres, args.residents)
    try:
        run(url, args.repeats)
    finally:
        if args.drop:
            _admin(args.postgres, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
