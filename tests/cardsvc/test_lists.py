"""Every list answers a page: its items, the total, and the link to the next page.

What a query does not declare is refused (422 naming what it takes), never ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from cardsvc.kit import pagination
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.residents.models import Resident
from cardsvc.residents.rules import Sex
from tests.cardsvc.conftest import Client, World, make_ssn

PURPOSE = {"purpose": "窗口业务办理"}
LIST_ROUTES = (
    "/residents",
    "/platforms",
    "/residents/{resident_id}/cards",
    "/cards/{card_number}/history",
    "/blacklist",
    "/applications",
    "/service-guide",
    "/labour-cases",
    "/ledgers/labour-force",
    "/employers",
    "/residents/{resident_id}/employment-relations",
    "/residents/{resident_id}/insurance/contributions",
    "/contribution-limits",
)


@pytest.fixture
def seven(world: World, session: Session) -> list[int]:
    """Seven residents of community A1, ids ascending."""
    platform = world.platforms["community_a1"]
    residents = [
        Resident(
            social_security_number=make_ssn(date(1970, 1, 1 + n), sequence=2),
            name="王芳",
            sex=Sex.female,
            birth_date=date(1970, 1, 1 + n),
            ethnic_group="01",
            household_registration="江苏省南京市玄武区",
            current_address="江苏省南京市玄武区",
            platform_id=platform.id,
        )
        for n in range(7)
    ]
    session.add_all(residents)
    session.commit()
    return [resident.id for resident in residents]


def _residents(client: Client, world: World, clerk: str = "clerk_a1", **params: Any) -> Any:
    response = client.get("/residents", params={**PURPOSE, **params}, headers=world.headers(clerk))
    assert response.status_code == 200, response.text
    return response


def test_a_list_is_walked_page_by_page_by_its_next_links(
    client: Client, world: World, seven: list[int]
) -> None:
    seen: list[int] = []
    response = _residents(client, world, limit=3)
    pages = 0
    while True:
        page = response.json()
        pages += 1
        assert (page["total"], page["total_exact"]) == (7, True)
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            assert "link" not in response.headers
            break
        assert response.headers["link"] == f'<{page["next"]}>; rel="next"'
        response = client.get(page["next"], headers=world.headers("clerk_a1"))
        assert response.status_code == 200
    assert (pages, seen) == (3, seven)  # 3 + 3 + 1, in id order, none twice


def test_the_next_link_keeps_the_lookup_and_the_purpose(
    client: Client, world: World, seven: list[int]
) -> None:
    page = _residents(client, world, name="王芳", limit=5).json()
    assert page["next"] == (
        "/residents?purpose=%E7%AA%97%E5%8F%A3%E4%B8%9A%E5%8A%A1%E5%8A%9E%E7%90%86"
        "&name=%E7%8E%8B%E8%8A%B3&limit=5&offset=5"
    )
    rest = client.get(page["next"], headers=world.headers("clerk_a1")).json()
    assert [item["id"] for item in rest["items"]] == seven[5:]


def test_a_page_past_the_end_is_empty_and_still_counts(
    client: Client, world: World, seven: list[int]
) -> None:
    page = _residents(client, world, offset=50).json()
    assert page == {"items": [], "total": 7, "total_exact": True, "next": None}


@contextmanager
def _statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _query(world: World) -> Any:
    return (
        select(Resident)
        .where(Resident.platform_id == world.platforms["community_a1"].id)
        .order_by(Resident.id)
    )


def test_the_last_page_is_not_counted_and_others_are(
    world: World, seven: list[int], session: Session, connection: Connection
) -> None:
    with _statements(connection) as seen:
        last: Slice[Resident] = paginate(session, _query(world), PageRequest(5, 5))
    assert (len(last.items), last.total, last.more) == (2, 7, False)
    assert not any("count(" in statement.lower() for statement in seen)
    with _statements(connection) as seen:
        first = paginate(session, _query(world), PageRequest(5, 0))
    assert (len(first.items), first.total, first.total_exact, first.more) == (5, 7, True, True)
    assert sum("count(" in statement.lower() for statement in seen) == 1


def test_a_long_list_counts_only_so_far_and_says_so(
    world: World, seven: list[int], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting stops COUNT_CAP rows past the page asked for: the total is then a
    lower bound, and the next link does not depend on it."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    first = paginate(session, _query(world), PageRequest(2, 0))
    assert (first.total, first.total_exact, first.more) == (4, False, True)
    deeper = paginate(session, _query(world), PageRequest(2, 2))
    assert (deeper.total, deeper.total_exact, deeper.more) == (6, False, True)
    last = paginate(session, _query(world), PageRequest(2, 4))
    assert (last.total, last.total_exact, last.more) == (7, True, True)


def test_a_lists_page_size_is_bounded(client: Client, world: World) -> None:
    for limit in (0, 501, -1):
        response = client.get(
            "/platforms", params={"limit": limit}, headers=world.headers("clerk_a1")
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def test_every_list_route_answers_a_page(client: Client) -> None:
    schema = client.get("/openapi.json").json()
    for path in LIST_ROUTES:
        answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page = answer["schema"]["$ref"].rsplit("/", 1)[-1]
        fields = schema["components"]["schemas"][page]["properties"]
        assert {"items", "total", "total_exact", "next"} <= set(fields), path


@pytest.mark.parametrize(
    ("url", "unknown", "allowed"),
    [
        (
            "/residents?purpose=%E6%9F%A5%E8%AF%A2&ssn=x",
            "ssn",
            {"social_security_number", "card_number", "name", "sex", "birth_year", "limit"},
        ),
        ("/platforms?page=2", "page", {"limit", "offset"}),
        ("/blacklist?after=3", "after", {"since", "limit"}),
        ("/auth/me?debug=1", "debug", set()),
    ],
)
def test_a_query_parameter_not_declared_is_refused_naming_those_that_are(
    client: Client, world: World, url: str, unknown: str, allowed: set[str]
) -> None:
    response = client.get(url, headers=world.headers("clerk_a1"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["loc"], error["type"]) == (["query", unknown], "extra_forbidden")
    for name in allowed:
        assert f"'{name}'" in error["allowed"]


def test_every_operation_refuses_a_parameter_it_does_not_declare(
    client: Client, world: World
) -> None:
    """Checked after the token: with none, a protected operation still answers 401."""
    schema = client.get("/openapi.json").json()
    paths = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }
    assert len(paths) >= 18
    ids = {
        "resident_id": 1,
        "platform_id": 1,
        "card_number": "D2143569X",
        "action": "lock",
        "application_id": 1,
        "step": "review",
        "case_id": 1,
        "rating_id": 1,
        "clerk_id": 1,
        "window_id": 1,
        "item_code": "guaranteed_loan",
        "employer_id": 1,
        "relation_id": 1,
        "region_code": "320102",
        "year": 2026,
        "category": "employee",
        "scheme": "pension",
    }
    for method, path in sorted(paths):
        url = path.format(**ids)
        if path.startswith("/online/me") or path == "/online/logout":
            continue  # a resident's token: tests/cardsvc/test_online.py
        public = path in ("/health", "/auth/login", "/online/activate", "/online/login")
        headers = {} if public else world.headers("street_a")
        response = client.request(method, url, params={"zz": "1"}, headers=headers, json={})
        assert response.status_code == 422, (method, path, response.status_code)
        assert response.json()["errors"][0]["loc"] == ["query", "zz"], (method, path)
        if not public:
            anonymous = client.request(method, url, params={"zz": "1"}, json={})
            assert anonymous.status_code == 401, (method, path)


def test_an_unknown_parameter_that_may_be_personal_data_is_not_repeated(
    client: Client, world: World
) -> None:
    number = make_ssn()
    response = client.get(f"/platforms?{number}=1", headers=world.headers("clerk_a1"))
    assert response.status_code == 422
    assert number not in response.text
    assert response.json()["errors"][0]["loc"] == ["query", "(not shown)"]


def test_declared_parameters_and_documentation_pages_pass(
    client: Client, world: World, seven: list[int]
) -> None:
    assert _residents(client, world, limit=1, offset=1).json()["items"][0]["id"] == seven[1]
    assert client.get("/docs", params={"anything": "1"}).status_code == 200

