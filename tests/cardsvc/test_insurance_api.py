"""The insurance routes: a window reads a resident's records and contribution history
(audited with the purpose, within jurisdiction); an administrator sets the regions'
base floors and caps."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.insurance import benefits, service
from cardsvc.insurance.rules import BenefitKind, Scheme
from cardsvc.insurance.schemas import BenefitClaim
from tests.cardsvc.conftest import Client, World
from tests.cardsvc.insurance_office import TODAY, Office

PURPOSE = {"purpose": "窗口业务办理"}


@pytest.fixture
def office(session: Session, world: World) -> Office:
    office = Office(session, world)
    office.bounds()
    return office


@pytest.fixture
def retiree(office: Office) -> int:
    """A man born 1960 with 20 years of pension (some owed), medical, and his pension."""
    person, employer = office.resident(birth=date(1960, 2, 1)), office.employer()
    office.employ(person, employer, date(2005, 1, 1))
    pension = office.enrol(person, Scheme.pension, employer, on=date(2010, 1, 1), months_deemed=60)
    office.declare(pension, "2010-01", "2019-12", base_fen=600_000)
    medical = office.enrol(person, Scheme.medical, employer, on=date(2010, 1, 1))
    office.declare(medical, "2018-01", "2019-12", base_fen=600_000)
    office.declare(medical, "2020-01", "2020-02", base_fen=600_000, paid=False)
    benefits.start_benefit(
        office.session,
        office.actor("clerk_a1"),
        office.audit("clerk_a1"),
        BenefitClaim(
            resident_id=person.id,
            kind=BenefitKind.basic_pension,
            first_period=202003,
            monthly_amount_fen=320_000,
        ),
        today=TODAY,
    )
    office.session.commit()
    return person.id


def test_a_window_reads_the_records_with_their_summary(
    client: Client, world: World, retiree: int, session: Session
) -> None:
    response = client.get(
        f"/residents/{retiree}/insurance", params=PURPOSE, headers=world.headers("street_a")
    )
    assert response.status_code == 200, response.text
    records = response.json()
    pension, medical = records["summary"]["schemes"]
    assert pension == {
        "scheme": "pension",
        "category": "employee",
        "status": "active",
        "region_code": "320102",
        "employer_id": pension["employer_id"],
        "enrolled_on": "2010-01-01",
        "months_paid": 120,
        "months_counted": 180,  # and 60 deemed
        "months_in_arrears": 0,
        "arrears_fen": 0,
        "current_base_fen": 600_000,
        "last_period": "2019-12",
    }
    # 6,000.00 × (8% + 2%) = 600.00 owed for each of two months.
    assert (medical["months_paid"], medical["months_in_arrears"], medical["arrears_fen"]) == (
        24,
        2,
        120_000,
    )
    assert records["summary"]["benefits"] == [
        {
            "id": records["benefits"][0]["id"],
            "kind": "basic_pension",
            "monthly_amount_fen": 320_000,
            "first_period": "2020-03",
            "last_period": None,
            "last_paid_period": None,
        }
    ]
    assert [e["months_deemed"] for e in records["enrolments"]] == [60, 0]
    assert records["transfers"] == records["certifications"] == []
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "read", AuditEvent.subject_type == "insurance"
        )
    ).one()
    assert (event.clerk_id, event.window_id, event.purpose, event.subject_id) == (
        world.clerks["street_a"].id,
        world.windows["street_a"].id,
        "窗口业务办理",
        str(retiree),
    )


@pytest.mark.parametrize(
    ("clerk", "status"),
    [
        ("clerk_a1", 200),
        ("auditor", 200),
        ("clerk_a2", 404),
        ("street_b", 404),
        ("operator", 403),
        ("city_admin", 403),
    ],
)
def test_records_are_read_within_jurisdiction(
    client: Client, world: World, retiree: int, clerk: str, status: int, session: Session
) -> None:
    urls = ("insurance", "insurance/summary", "insurance/contributions")
    for url in (f"/residents/{retiree}/{path}" for path in urls):
        response = client.get(url, params=PURPOSE, headers=world.headers(clerk))
        assert response.status_code == status
        if status == 404:
            assert response.json()["detail"] == "参保人员不存在"
    refused = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.subject_id == str(retiree)
        )
    ).all()
    assert len(refused) == (3 if status != 200 else 0)


def test_the_summary_alone_is_what_the_records_summarise(
    client: Client, world: World, retiree: int, session: Session
) -> None:
    headers = world.headers("clerk_a1")
    alone = client.get(f"/residents/{retiree}/insurance/summary", params=PURPOSE, headers=headers)
    records = client.get(f"/residents/{retiree}/insurance", params=PURPOSE, headers=headers)
    assert alone.status_code == 200, alone.text
    assert alone.json() == records.json()["summary"]
    assert [s["scheme"] for s in alone.json()["schemes"]] == ["pension", "medical"]
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "read", AuditEvent.subject_type == "insurance")
        .order_by(AuditEvent.seq)
    ).first()
    assert event is not None
    assert (json.loads(event.payload), event.purpose) == ({"view": "summary"}, "窗口业务办理")


def test_a_read_needs_a_purpose_and_a_known_resident(
    client: Client, world: World, retiree: int
) -> None:
    headers = world.headers("clerk_a1")
    assert client.get(f"/residents/{retiree}/insurance", headers=headers).status_code == 422
    unknown = client.get("/residents/999999/insurance", params=PURPOSE, headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "resident_not_found")
    assert client.get(f"/residents/{retiree}/insurance", params=PURPOSE).status_code == 401


def test_the_contribution_history_pages_by_scheme_and_months(
    client: Client, world: World, retiree: int, session: Session
) -> None:
    url = f"/residents/{retiree}/insurance/contributions"
    headers = world.headers("clerk_a1")

    def get(**params: object) -> list[dict[str, object]]:
        response = client.get(url, params={**PURPOSE, **params}, headers=headers)
        assert response.status_code == 200, response.text
        rows: list[dict[str, object]] = response.json()["items"]
        return rows

    everything = get(limit=500)
    assert len(everything) == 120 + 26
    # Page by page (50 rows, the default), by the next links: no row twice, none skipped.
    walked: list[dict[str, object]] = []
    sizes = []
    response = client.get(url, params=PURPOSE, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["total"], page["total_exact"]) == (120 + 26, True)
        walked += page["items"]
        sizes.append(len(page["items"]))
        if page["next"] is None:
            break
        response = client.get(page["next"], headers=headers)
    assert sizes == [50, 50, 46]
    assert walked == everything
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "contributions")
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None
    assert (json.loads(event.payload)["offset"], event.purpose) == (100, "窗口业务办理")
    assert [row["period"] for row in everything[:2]] == ["2010-01", "2010-02"]
    first = everything[0]
    assert (first["employer_rate"], first["personal_rate"]) == ("0.16", "0.08")
    assert (first["employer_amount_fen"], first["personal_amount_fen"]) == (96_000, 48_000)
    medical = get(scheme="medical", from_period="2019-12", to_period="2020-02")
    assert [(r["period"], r["status"]) for r in medical] == [
        ("2019-12", "paid"),
        ("2020-01", "arrears"),
        ("2020-02", "arrears"),
    ]
    assert medical[1]["paid_on"] is None
    page = get(scheme="pension", limit=12, offset=12)
    assert [page[0]["period"], page[-1]["period"]] == ["2011-01", "2011-12"]
    assert get(scheme="unemployment") == []
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "contributions")
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None
    assert (json.loads(event.payload)["scheme"], event.purpose) == ("unemployment", "窗口业务办理")
    for bad in ({"from_period": "2020-13"}, {"to_period": "202001"}, {"scheme": "housing"}):
        response = client.get(url, params={**PURPOSE, **bad}, headers=headers)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    reversed_range = client.get(
        url, params={**PURPOSE, "from_period": "2020-02", "to_period": "2020-01"}, headers=headers
    )
    assert (reversed_range.status_code, reversed_range.json()["code"]) == (422, "invalid_periods")


# ---------------------------------------------------------------- floors and caps


def test_an_administrator_sets_and_lists_the_bounds_of_their_region(
    client: Client, world: World, session: Session
) -> None:
    headers = world.headers("city_admin")
    url = "/contribution-limits/320102/2026/employee/pension"
    created = client.request(
        "PUT", url, json={"floor_fen": 450_000, "cap_fen": 2_500_000}, headers=headers
    )
    assert created.status_code == 201, created.text
    changed = client.request(
        "PUT", url, json={"floor_fen": 460_000, "cap_fen": 2_500_000}, headers=headers
    )
    assert (changed.status_code, changed.json()["floor_fen"]) == (200, 460_000)
    grades = client.request(
        "PUT",
        "/contribution-limits/320100/2026/resident/pension",
        json={"floor_fen": 20_000, "cap_fen": 300_000, "grades_fen": [20_000, 50_000, 300_000]},
        headers=headers,
    )
    assert grades.status_code == 201
    # The province's bounds apply where the city sets none: the city's administrator sees them.
    province = client.request(
        "PUT",
        "/contribution-limits/320000/2026/employee/medical",
        json={"floor_fen": 400_000, "cap_fen": 2_400_000},
        headers=world.headers("admin"),
    )
    assert province.status_code == 201
    suzhou = client.request(
        "PUT",
        "/contribution-limits/320500/2026/employee/medical",
        json={"floor_fen": 400_000, "cap_fen": 2_400_000},
        headers=world.headers("admin"),
    )
    assert suzhou.status_code == 201
    listed = client.get("/contribution-limits", params={"year": 2026}, headers=headers).json()
    assert sorted((x["region_code"], x["category"], x["scheme"]) for x in listed["items"]) == [
        ("320000", "employee", "medical"),
        ("320100", "resident", "pension"),
        ("320102", "employee", "pension"),
    ]
    assert (listed["total"], listed["next"]) == (3, None)
    first = client.get(
        "/contribution-limits", params={"year": 2026, "limit": 2}, headers=headers
    ).json()
    assert (len(first["items"]), first["total"]) == (2, 3)
    rest = client.get(first["next"], headers=headers).json()
    assert (first["items"] + rest["items"], rest["next"]) == (listed["items"], None)
    history = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "insurance.limits").order_by(AuditEvent.seq)
    ).all()
    assert json.loads(history[1].payload)["before"]["floor"] == "4,500.00"


@pytest.mark.parametrize(
    ("clerk", "url", "body", "status", "code"),
    [
        (
            "city_admin",
            "/contribution-limits/320500/2026/employee/pension",
            {},
            403,
            "outside_jurisdiction",
        ),
        (
            "city_admin",
            "/contribution-limits/320000/2026/employee/pension",
            {},
            403,
            "outside_jurisdiction",
        ),
        (
            "street_a",
            "/contribution-limits/320102/2026/employee/pension",
            {},
            403,
            "role_not_allowed",
        ),
        (
            "city_admin",
            "/contribution-limits/320102/2026/employee/pension",
            {"floor_fen": 3_000_000},
            422,
            "invalid_bounds",
        ),
        (
            "city_admin",
            "/contribution-limits/320102/2026/employee/pension",
            {"grades_fen": [500_000]},
            422,
            "invalid_bounds",
        ),
        (
            "city_admin",
            "/contribution-limits/320102/2026/resident/unemployment",
            {},
            422,
            "scheme_not_for_category",
        ),
        (
            "city_admin",
            "/contribution-limits/32010/2026/employee/pension",
            {},
            422,
            "invalid_request",
        ),
        (
            "city_admin",
            "/contribution-limits/320102/1980/employee/pension",
            {},
            422,
            "invalid_request",
        ),
        (
            "city_admin",
            "/contribution-limits/320102/2026/employee/pension",
            {"floor_fen": 4500.5},
            422,
            "invalid_request",
        ),
    ],
)
def test_bounds_refusals(
    client: Client,
    world: World,
    clerk: str,
    url: str,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    payload = {"floor_fen": 450_000, "cap_fen": 2_500_000, **body}
    response = client.request("PUT", url, json=payload, headers=world.headers(clerk))
    assert (response.status_code, response.json()["code"]) == (status, code)
    if code == "invalid_bounds" and "grades_fen" not in body:
        assert response.json()["detail"] == "下限应大于0且不高于上限"


def test_only_administrators_list_bounds(client: Client, world: World) -> None:
    for clerk in ("clerk_a1", "street_a", "auditor", "operator"):
        assert client.get("/contribution-limits", headers=world.headers(clerk)).status_code == 403


def test_the_summary_reads_by_index_whatever_the_history(
    session: Session, retiree: int, engine: Engine
) -> None:
    """Each statement of the summary finds the resident's rows through an index (PostgreSQL
    told not to scan whole tables, where it would for tables this small)."""
    statements: list[tuple[str, object]] = []

    def capture(
        _conn: object, _cursor: object, statement: str, parameters: object, *_: object
    ) -> None:
        statements.append((statement, parameters))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", capture)
    service.summary(session, retiree)
    event.remove(connection, "before_cursor_execute", capture)
    assert len(statements) == 2
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    # The benefits being paid: by resident, or by the partial index of the ones being paid.
    usable = (
        {"ix_insurance_enrolments_resident_id"},
        {"ix_benefits_resident_id", "uq_benefits_one_being_paid_per_kind"},
    )
    for (statement, parameters), indexes in zip(statements, usable, strict=True):
        plan = " ".join(
            str(row[-1]) for row in connection.exec_driver_sql(explain + statement, parameters)
        )
        assert any(index in plan for index in indexes), plan
