"""Loading a whole import file or nothing: check every row, stage, check again, insert.

Rows are checked one by one as they stream in (``rows.py``) and staged in a temporary
table — PostgreSQL ``COPY``, SQLite batched inserts — so a million rows never sit in
memory. Checks across rows and against the database are set-based queries on the
staging table. Only when no problem is left are the rows inserted, with one
``INSERT … SELECT`` per target table, in the caller's transaction (services never
commit): the file lands whole or not at all.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.cards.models import Card
from cardsvc.cards.repository import CardRepository
from cardsvc.cards.rules import USABLE
from cardsvc.employment.models import EmploymentRegistration
from cardsvc.employment.repository import EmploymentRepository
from cardsvc.errors import InvalidDataError
from cardsvc.imports.rows import (
    CARD_COLUMNS,
    EMPLOYMENT_COLUMNS,
    RESIDENT_COLUMNS,
    Problem,
    check_header,
    parse_card,
    parse_employment,
    parse_resident,
)
from cardsvc.kit.bulk import bulk_insert
from cardsvc.platforms.models import Platform
from cardsvc.platforms.rules import Level
from cardsvc.residents.models import Resident
from cardsvc.residents.repository import ResidentRepository


class ImportRefusedError(InvalidDataError):
    """The file was not loaded; ``problems`` says why, row by row (at most the limit)."""

    def __init__(self, problems: list[Problem], *, truncated: bool) -> None:
        super().__init__(f"导入文件有{len(problems)}处错误，未导入任何数据", code="import_refused")
        self.problems = problems
        self.truncated = truncated


@dataclass(frozen=True)
class ImportResult:
    rows: int
    sha256: str


class _Problems:
    """Problems found so far, up to a limit past which checking stops."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the problem limit must be at least 1, got {limit}")
        self.items: list[Problem] = []
        self.limit = limit

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit

    @property
    def room(self) -> int:
        return max(self.limit - len(self.items), 0)

    def refuse_if_any(self) -> None:
        if self.items:
            items = sorted(self.items, key=lambda p: (p.line, p.column))[: self.limit]
            raise ImportRefusedError(items, truncated=self.full)


def _staging_resident_table() -> Table:
    return Table(
        "import_residents",
        MetaData(),
        Column("line", Integer, primary_key=True),
        Column("social_security_number", String(18), nullable=False),
        Column("name", String(30), nullable=False),
        Column("sex", String(1), nullable=False),
        Column("birth_date", Date, nullable=False),
        Column("ethnic_group", String(2), nullable=False),
        Column("household_registration", String(200), nullable=False),
        Column("current_address", String(200), nullable=False),
        Column("community_code", String(12), nullable=False),
        prefixes=["TEMPORARY"],
    )


def _staging_card_table() -> Table:
    return Table(
        "import_cards",
        MetaData(),
        Column("line", Integer, primary_key=True),
        Column("card_number", String(9), nullable=False),
        Column("card_identification_code", String(32), nullable=False),
        Column("social_security_number", String(18), nullable=False),
        Column("generation", String(4), nullable=False),
        Column("key_version", Integer, nullable=False),
        Column("issued_on", Date, nullable=False),
        Column("expires_on", Date, nullable=False),
        Column("status", String(20), nullable=False),
        prefixes=["TEMPORARY"],
    )


def _staging_employment_table() -> Table:
    return Table(
        "import_employment",
        MetaData(),
        Column("line", Integer, primary_key=True),
        Column("social_security_number", String(18), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("certificate_number", String(16), nullable=False),
        Column("registered_on", Date, nullable=False),
        Column("ended_on", Date, nullable=True),
        Column("employer_name", String(100), nullable=True),
        Column("reason", String(100), nullable=True),
        Column("community_code", String(12), nullable=False),
        prefixes=["TEMPORARY"],
    )


def _rows(
    records: Iterator[Sequence[str]],
    columns: Sequence[str],
    parse: Callable[[int, dict[str, str], list[Problem]], dict[str, Any] | None],
    problems: _Problems,
) -> Iterator[dict[str, Any]]:
    """Checked rows, streamed; problems collect on the side until the limit is reached."""
    try:
        header = next(records, None)
    except csv.Error:
        header = []
    if header is None:
        problems.items.append(Problem(1, "", "empty_file", "文件为空，缺少表头"))
        return
    header_problems = check_header(header, columns)
    if header_problems:
        problems.items.extend(header_problems)
        return
    names = [name.strip() for name in header]
    line = 1
    while not problems.full:
        line += 1
        try:
            record = next(records, None)
        except csv.Error:  # a field over the reader's limit, a stray quote: no row to check
            problems.items.append(
                Problem(line, "", "unreadable_row", "该行无法解析（字段过长或引号不匹配）")
            )
            continue
        if record is None:
            return
        if len(record) != len(names):
            problems.items.append(
                Problem(
                    line, "", "wrong_field_count", f"该行应有{len(names)}列，实有{len(record)}列"
                )
            )
            continue
        values = parse(line, dict(zip(names, record, strict=True)), problems.items)
        if values is not None:
            yield values


def _create(session: Session, table: Table) -> None:
    connection = session.connection()
    table.drop(connection, checkfirst=True)
    table.create(connection)


def _index(session: Session, table: Table, *columns: str) -> None:
    connection = session.connection()
    for column in columns:
        connection.exec_driver_sql(
            f"CREATE INDEX ix_{table.name}_{column} ON {table.name} ({column})"
        )
    # Fresh statistics, or the planner takes the large staging table for an empty one.
    connection.exec_driver_sql(f"ANALYZE {table.name}")


def _report(
    session: Session,
    problems: _Problems,
    staging: Table,
    query: Any,
    column: str,
    code: str,
    message: Callable[[Any], str],
) -> None:
    if problems.full:
        return
    for row in session.execute(query.order_by(staging.c.line).limit(problems.room)):
        problems.items.append(Problem(row.line, column, code, message(row)))


def _duplicates(staging: Table, column: str, *, statuses: list[str] | None = None) -> Any:
    """Rows whose ``column`` repeats an earlier row's, with the first such row.

    With ``statuses``, only rows of those statuses count, on both sides.
    """
    earlier = staging.alias("earlier")
    condition = [earlier.c[column] == staging.c[column], earlier.c.line < staging.c.line]
    if statuses is not None:
        condition.append(earlier.c.status.in_(statuses))
    query = select(staging.c.line, func.min(earlier.c.line).label("first")).join(
        earlier, and_(*condition)
    )
    if statuses is not None:
        query = query.where(staging.c.status.in_(statuses))
    return query.group_by(staging.c.line)


# A check across rows or against the database: the query of the offending lines, the
# column blamed, the problem's code and its message for a row.
Check = tuple[Any, str, str, Callable[[Any], str]]


def _not_a_community(staging: Table) -> Check:
    return (
        select(staging.c.line)
        .outerjoin(Platform, Platform.unified_code == staging.c.community_code)
        .where(or_(Platform.id.is_(None), Platform.level != Level.community)),
        "community_code",
        "not_a_community",
        lambda _row: "所属平台编码不存在或不是社区（村）服务站",
    )


def _resident_not_found(staging: Table) -> Check:
    return (
        select(staging.c.line)
        .outerjoin(Resident, Resident.social_security_number == staging.c.social_security_number)
        .where(Resident.id.is_(None)),
        "social_security_number",
        "resident_not_found",
        lambda _row: "该社会保障号码尚未登记，请先导入参保人员",
    )


def _staged(
    session: Session,
    staging: Table,
    records: Iterable[Sequence[str]],
    columns: Sequence[str],
    parse: Callable[[int, dict[str, str], list[Problem]], dict[str, Any] | None],
    problems: _Problems,
    indexed: Sequence[str],
) -> int:
    """Stage the file's checked rows (how many), indexed for the checks across rows."""
    _create(session, staging)
    count = bulk_insert(session, staging, _rows(iter(records), columns, parse, problems))
    _index(session, staging, *indexed)
    return count


def _land(
    session: Session,
    audit: AuditTrail,
    problems: _Problems,
    staging: Table,
    checks: Sequence[Check],
    add_staged: Callable[[Table, datetime], None],
    kind: str,
    count: int,
    now: datetime,
    sha256: str,
) -> ImportResult:
    """Run the checks; with no problem, insert the staged rows and audit the file."""
    for query, column, code, message in checks:
        _report(session, problems, staging, query, column, code, message)
    problems.refuse_if_any()
    add_staged(staging, now)
    staging.drop(session.connection())
    audit.record("import", kind, sha256[:16], payload={"rows": count, "sha256": sha256})
    return ImportResult(count, sha256)


def import_residents(
    session: Session,
    audit: AuditTrail,
    records: Iterable[Sequence[str]],
    now: datetime,
    *,
    sha256: str,
    max_problems: int = 1000,
) -> ImportResult:
    """Register every resident of the file, or none (``ImportRefusedError``); ``sha256``
    (of the file's bytes, as ``sha256sum`` gives it) names the file in the audit trail."""
    problems = _Problems(max_problems)
    staging = _staging_resident_table()
    count = _staged(
        session,
        staging,
        records,
        RESIDENT_COLUMNS,
        parse_resident,
        problems,
        ("social_security_number", "community_code"),
    )
    checks: list[Check] = [
        (
            _duplicates(staging, "social_security_number"),
            "social_security_number",
            "duplicate_in_file",
            lambda row: f"社会保障号码与第{row.first}行重复",
        ),
        (
            select(staging.c.line).join(
                Resident, Resident.social_security_number == staging.c.social_security_number
            ),
            "social_security_number",
            "resident_exists",
            lambda _row: "该社会保障号码已登记",
        ),
        _not_a_community(staging),
    ]
    add = ResidentRepository(session).add_staged
    return _land(session, audit, problems, staging, checks, add, "residents", count, now, sha256)


def import_cards(
    session: Session,
    audit: AuditTrail,
    records: Iterable[Sequence[str]],
    now: datetime,
    *,
    sha256: str,
    max_problems: int = 1000,
) -> ImportResult:
    """Record every card of the file against its resident, or none (``ImportRefusedError``);
    ``sha256`` names the file in the audit trail."""
    problems = _Problems(max_problems)
    staging = _staging_card_table()
    count = _staged(
        session,
        staging,
        records,
        CARD_COLUMNS,
        parse_card,
        problems,
        ("card_number", "card_identification_code", "social_security_number"),
    )
    usable = [state.value for state in USABLE]
    checks: list[Check] = [
        (
            _duplicates(staging, "card_number"),
            "card_number",
            "duplicate_in_file",
            lambda row: f"卡号与第{row.first}行重复",
        ),
        (
            _duplicates(staging, "card_identification_code"),
            "card_identification_code",
            "duplicate_in_file",
            lambda row: f"卡识别码与第{row.first}行重复",
        ),
        (
            _duplicates(staging, "social_security_number", statuses=usable),
            "social_security_number",
            "card_exists",
            lambda row: f"同一参保人员在第{row.first}行已有一张可用的卡",
        ),
        _resident_not_found(staging),
        (
            select(staging.c.line).join(Card, Card.card_number == staging.c.card_number),
            "card_number",
            "card_number_taken",
            lambda _row: "该卡号已存在",
        ),
        (
            select(staging.c.line).join(
                Card, Card.card_identification_code == staging.c.card_identification_code
            ),
            "card_identification_code",
            "card_identification_code_taken",
            lambda _row: "该卡识别码已存在",
        ),
        (
            select(staging.c.line)
            .join(Resident, Resident.social_security_number == staging.c.social_security_number)
            .where(
                staging.c.status.in_(usable),
                exists().where(Card.resident_id == Resident.id, Card.status.in_(usable)),
            ),
            "social_security_number",
            "card_exists",
            lambda _row: "该参保人员已有可用的社会保障卡",
        ),
    ]
    add = CardRepository(session).add_staged
    return _land(session, audit, problems, staging, checks, add, "cards", count, now, sha256)


def import_employment(
    session: Session,
    audit: AuditTrail,
    records: Iterable[Sequence[str]],
    now: datetime,
    *,
    sha256: str,
    max_problems: int = 1000,
) -> ImportResult:
    """Record every registration of an employment ledger against its resident, or none
    (``ImportRefusedError``); ``sha256`` names the file in the audit trail.

    A resident has at most one registration still open (no ``ended_on``), in the file and
    in the service together; certificate numbers are never taken twice.
    """
    problems = _Problems(max_problems)
    staging = _staging_employment_table()
    count = _staged(
        session,
        staging,
        records,
        EMPLOYMENT_COLUMNS,
        parse_employment,
        problems,
        ("social_security_number", "certificate_number"),
    )
    checks: list[Check] = [
        (
            _duplicates(staging, "certificate_number"),
            "certificate_number",
            "duplicate_in_file",
            lambda row: f"就业创业证编号与第{row.first}行重复",
        ),
        (
            _open_twice(staging),
            "ended_on",
            "open_twice_in_file",
            lambda row: f"同一人员在第{row.first}行已有未终止的登记",
        ),
        _resident_not_found(staging),
        (
            select(staging.c.line).join(
                EmploymentRegistration,
                EmploymentRegistration.certificate_number == staging.c.certificate_number,
            ),
            "certificate_number",
            "certificate_taken",
            lambda _row: "该就业创业证编号已登记",
        ),
        (
            select(staging.c.line)
            .join(Resident, Resident.social_security_number == staging.c.social_security_number)
            .where(
                staging.c.ended_on.is_(None),
                exists().where(
                    EmploymentRegistration.resident_id == Resident.id,
                    EmploymentRegistration.ended_on.is_(None),
                ),
            ),
            "ended_on",
            "already_open",
            lambda _row: "该人员已有未终止的就业失业登记",
        ),
        _not_a_community(staging),
    ]
    add = EmploymentRepository(session).add_staged
    return _land(session, audit, problems, staging, checks, add, "employment", count, now, sha256)


def _open_twice(staging: Table) -> Any:
    """Open rows (no end) of a resident who has an earlier open row in the file."""
    earlier = staging.alias("earlier")
    return (
        select(staging.c.line, func.min(earlier.c.line).label("first"))
        .join(
            earlier,
            and_(
                earlier.c.social_security_number == staging.c.social_security_number,
                earlier.c.line < staging.c.line,
                earlier.c.ended_on.is_(None),
            ),
        )
        .where(staging.c.ended_on.is_(None))
        .group_by(staging.c.line)
    )
