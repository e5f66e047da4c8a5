"""Hostile and sloppy input: refused at the edge with the field named, never a 500,
never a poisoned batch, and every refusal audited."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.audit.service import verify_chain
from cardsvc.cli import main
from cardsvc.imports.rows import RESIDENT_COLUMNS
from cardsvc.kit.text import TextRefusedError, checked_text
from tests.cardsvc.conftest import AUDIT_SECRET, Client, Desk, World, make_ssn
from tests.cardsvc.test_imports import _resident_row

Payload = Callable[..., dict[str, object]]
PURPOSE = {"purpose": "窗口业务办理"}

HOSTILE_TEXT = {
    "nul": "南京\x00市",
    "newline": "南京市\n玄武区",
    "ansi escape": "\x1b[31m南京市",
    "bidi override": "南京\u202e市",
    "zero width": "南京\u200b市",
    "blank": "   \t ",
    "not gbk": "南京\U0001f600",
}


@pytest.mark.parametrize("text", list(HOSTILE_TEXT.values()), ids=list(HOSTILE_TEXT))
def test_the_text_rule_refuses_what_cannot_be_stored_or_shown(text: str) -> None:
    with pytest.raises(TextRefusedError):
        checked_text(text, max_length=200, gbk=True)


def test_the_text_rule_keeps_ordinary_text_trimmed() -> None:
    assert checked_text("  江苏省南京市玄武区 虹桥路1号 ", max_length=200, gbk=True) == (
        "江苏省南京市玄武区 虹桥路1号"
    )
    with pytest.raises(TextRefusedError) as refused:
        checked_text("x" * 201, max_length=200)
    assert refused.value.code == "too_long"


def _fields(response: object) -> list[tuple[str, str]]:
    body = response.json()  # type: ignore[attr-defined]
    return [(error["loc"][-1], error["type"]) for error in body["errors"]]


@pytest.mark.parametrize("field", ["household_registration", "current_address", "name"])
@pytest.mark.parametrize("text", list(HOSTILE_TEXT.values()), ids=list(HOSTILE_TEXT))
def test_resident_text_fields_refuse_hostile_text_naming_the_field(
    client: Client, world: World, resident_payload: Payload, field: str, text: str
) -> None:
    body = resident_payload(**{field: text})
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 422, response.text
    [(where, kind)] = _fields(response)
    assert where == field
    assert kind.startswith("text_")


@pytest.mark.parametrize("birth", [date(1800, 1, 1), date(2099, 1, 1)])
def test_birth_dates_outside_the_living_are_refused(
    client: Client, world: World, resident_payload: Payload, birth: date
) -> None:
    body = resident_payload(social_security_number=make_ssn(birth), birth_date=birth.isoformat())
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_social_security_number"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ethnic_group", "０１"),  # fullwidth digits
        ("social_security_number", make_ssn().replace("3", "３")),
    ],
)
def test_codes_are_ascii_digits_only(
    client: Client, world: World, resident_payload: Payload, field: str, value: str
) -> None:
    response = client.post(
        "/residents", json=resident_payload(**{field: value}), headers=world.headers("clerk_a1")
    )
    assert response.status_code == 422
    assert _fields(response) == [(field, "string_pattern_mismatch")]


def test_a_fullwidth_card_identification_code_cannot_be_issued(desk: Desk) -> None:
    number = str(desk.order()["card_number"])
    fullwidth = "３２０１００D156000005" + "0" * 16
    answer = desk.act(number, "issue", "operator", card_identification_code=fullwidth)
    assert answer["http"] == 422


@pytest.mark.parametrize(
    "field", ["card_number", "card_identification_code", "social_security_number", "purpose"]
)
def test_identify_refuses_control_characters_before_the_batch(
    desk: Desk, world: World, field: str
) -> None:
    """A body that could poison a shared batch never joins one: 422, whatever the role."""
    body = desk.identify_body(desk.normal_card())
    poisoned = {**body, field: str(body.get(field, "窗口读卡识别"))[:-1] + "\x00"}
    for clerk in ("clerk_a1", "auditor"):  # the auditor may not identify at all
        answer = desk.client.post("/identify", json=poisoned, headers=world.headers(clerk))
        assert answer.status_code == 422, answer.text
        assert _fields(answer)[0][0] == field
    legitimate = desk.client.together(
        [("POST", "/identify", {"json": body, "headers": world.headers("clerk_b1")})] * 3
        + [("POST", "/identify", {"json": poisoned, "headers": world.headers("clerk_a1")})] * 3
    )
    assert [answer.status_code for answer in legitimate] == [200] * 3 + [422] * 3


def test_a_purpose_with_a_nul_is_refused_and_a_refused_read_is_always_audited(
    desk: Desk, world: World, session: Session
) -> None:
    url = f"/residents/{desk.resident_id}"
    poisoned = desk.client.get(
        url, params={"purpose": "查\x00询"}, headers=world.headers("clerk_b1")
    )
    assert poisoned.status_code == 422
    refused = desk.client.get(url, params=PURPOSE, headers=world.headers("clerk_b1"))
    session.expire_all()
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert (event.subject_type, event.subject_id) == ("resident", str(desk.resident_id))
    assert '"code":"outside_jurisdiction"' in event.payload
    assert refused.status_code == 404
    assert list(verify_chain(session, AUDIT_SECRET)) == []


def test_a_resident_outside_jurisdiction_answers_as_one_that_does_not_exist(
    desk: Desk, world: World
) -> None:
    """403 against 404 would tell a probing clerk which ids exist elsewhere."""
    elsewhere = desk.client.get(
        f"/residents/{desk.resident_id}", params=PURPOSE, headers=world.headers("clerk_b1")
    )
    missing = desk.client.get(
        "/residents/999999", params=PURPOSE, headers=world.headers("clerk_b1")
    )
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.json() == missing.json()
    cards = desk.client.get(
        f"/residents/{desk.resident_id}/cards", params=PURPOSE, headers=world.headers("clerk_b1")
    )
    assert cards.status_code == 404


def test_a_card_outside_jurisdiction_answers_as_one_that_does_not_exist(desk: Desk) -> None:
    number = desk.normal_card()
    elsewhere = desk.act(number, "lock", "clerk_b1")
    missing = desk.act("D2143569X", "lock", "clerk_b1")
    assert elsewhere == missing
    assert elsewhere["http"] == 404


@pytest.mark.parametrize("offset", ["99999999999999999999", str(2**63), "-1"])
def test_huge_offsets_are_invalid_input_not_a_server_error(
    client: Client, world: World, offset: str
) -> None:
    for url in ("/residents", "/platforms"):
        response = client.get(url, params={"offset": offset}, headers=world.headers("admin"))
        assert response.status_code == 422, (url, response.text)


def test_card_numbers_in_paths_are_checked_at_the_edge(desk: Desk, world: World) -> None:
    response = desk.client.get("/cards/ABC%00EFGH", params=PURPOSE, headers=world.headers("admin"))
    assert response.status_code == 422


_TOO_LARGE = "请求内容过大（不能超过65536字节），请精简后重新提交"


def test_request_bodies_are_bounded_on_every_route(client: Client, world: World) -> None:
    """Refused from the declared length, before anything is read, with a problem like
    every other error (Starlette's own limit would answer plain text)."""
    big = b'{"username": "' + b"a" * 200_000 + b'"}'
    for url in ("/auth/login", "/identify", "/residents", "/health"):
        response = client.post(
            url,
            content=big,
            headers={**world.headers("clerk_a1"), "Content-Type": "application/json"},
        )
        assert response.status_code == 413, (url, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "urn:cardsvc:problem:content_too_large",
            "title": "Request Entity Too Large",
            "status": 413,
            "code": "content_too_large",
            "detail": _TOO_LARGE,
        }


def test_a_body_sent_without_a_length_is_bounded_as_it_is_read(
    client: Client, world: World
) -> None:
    """Chunked: FastAPI's limit stops reading past the limit; the same problem."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    response = client.post(
        "/residents",
        content=chunks(),
        headers={**world.headers("clerk_a1"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["detail"]) == (
        "content_too_large",
        _TOO_LARGE,
    )


def test_a_body_within_the_limit_is_read(client: Client, world: World) -> None:
    body = b'{"username": "' + b"a" * 60_000 + b'", "password": "x", "window_code": "W"}'
    response = client.post(
        "/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422  # read, and refused by the schema (too long a name)


# ---------------------------------------------------------------- imports


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(RESIDENT_COLUMNS)
        writer.writerows(rows)
    return path


def _row(**overrides: str) -> list[str]:
    # No such platform: the file is refused for it too, after the row checks (the CLI runs
    # on its own connection, so the test's uncommitted platforms are not seen).
    return _resident_row(None, 4, **{"community_code": "999999999999", **overrides})


def _import(
    database_url: str,
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, list[list[str]]]:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", database_url)
    code = main(["import", "residents", str(path)])
    out, _err = capsys.readouterr()
    return code, list(csv.reader(out.splitlines()))


@pytest.mark.parametrize(
    ("overrides", "column", "code"),
    [
        ({"current_address": "南京\x00市"}, "current_address", "text_control_characters"),
        ({"household_registration": "   "}, "household_registration", "text_blank"),
        ({"current_address": "\x1b[2J南京"}, "current_address", "text_control_characters"),
        ({"birth_date": "19900101"}, "birth_date", "invalid_date"),
        ({"community_code": "３２"}, "community_code", "invalid_code"),
    ],
)
def test_an_import_refuses_what_the_api_refuses_in_its_row_report(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    overrides: dict[str, str],
    column: str,
    code: str,
) -> None:
    path = _write(tmp_path / "residents.csv", [_row(**overrides)])
    exit_code, report = _import(database_url, path, monkeypatch, capsys)
    assert exit_code == 1
    assert ["2", column, code] in [line[:3] for line in report[1:]]


def test_an_oversized_csv_field_is_a_row_in_the_report_not_a_traceback(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _write(tmp_path / "residents.csv", [_row(current_address="南" * 131_073)])
    exit_code, report = _import(database_url, path, monkeypatch, capsys)
    assert exit_code == 1
    assert report[1][:3] == ["2", "", "unreadable_row"]


@pytest.mark.parametrize(
    "command",
    [
        ["import", "residents", "x.csv", "--max-problems", "0"],
        ["import", "residents", "x.csv", "--max-problems", "99999999999999999999999"],
        ["cards", "lapse-temporary-losses", "--batch", "0"],
        ["cards", "lapse-temporary-losses", "--batch", "-5"],
    ],
)
def test_counts_on_the_command_line_are_bounded(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2
    assert "must be from 1 to 1,000,000" in capsys.readouterr().err


def test_every_unreadable_row_is_reported_and_checking_goes_on(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [
        _row(),
        _row(current_address="南" * 131_073),
        _row(name="赵\x00六"),
        _row(birth_date="19900101"),
    ]
    path = _write(tmp_path / "residents.csv", rows)
    exit_code, report = _import(database_url, path, monkeypatch, capsys)
    assert exit_code == 1
    found = {tuple(line[:3]) for line in report[1:]}
    assert {("3", "", "unreadable_row"), ("4", "name", "invalid_name")} <= found
    assert ("5", "birth_date", "invalid_date") in found


def test_header_names_are_reported_without_their_escape_sequences(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "residents.csv"
    header = ",".join(RESIDENT_COLUMNS).replace("name", "\x1b]0;HACKED\x07\x1b[2Jname", 1)
    path.write_text(header + "\n", encoding="utf-8")
    exit_code, report = _import(database_url, path, monkeypatch, capsys)
    assert exit_code == 1
    text = "\n".join(",".join(line) for line in report)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\\x1b]0;HACKED" in text


def test_a_missing_import_file_is_named_not_a_traceback(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", database_url)
    assert main(["import", "residents", str(tmp_path / "nope.csv")]) == 2  # usage
    assert f"File '{tmp_path / 'nope.csv'}' does not exist" in capsys.readouterr().err
    assert main(["import", "residents", str(tmp_path)]) == 2
    assert f"File '{tmp_path}' is a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", 631152000),
        ("birth_date", "1990-01-01T00:00:00"),
        ("birth_date", "19900101"),
        ("platform_id", "5\n"),
        ("platform_id", True),
        ("name", "张三１２３"),
        ("name", "1234"),
    ],
)
def test_resident_fields_take_what_they_say_and_nothing_looser(
    client: Client, world: World, resident_payload: Payload, field: str, value: object
) -> None:
    response = client.post(
        "/residents", json=resident_payload(**{field: value}), headers=world.headers("clerk_a1")
    )
    assert response.status_code == 422, response.text


def test_row_ids_in_paths_are_digits_only(desk: Desk, world: World) -> None:
    for path in (f"/residents/{desk.resident_id}%0a", f"/residents/%20{desk.resident_id}"):
        response = desk.client.get(path, params=PURPOSE, headers=world.headers("clerk_a1"))
        assert response.status_code == 422, path


def test_a_retry_in_lower_case_is_the_same_issue(desk: Desk, world: World) -> None:
    number = str(desk.order()["card_number"])
    code = "320100D156000005" + number.encode().hex().upper()[:16]
    headers = {**world.headers("operator"), "Idempotency-Key": "issue-in-two-cases"}
    first = desk.client.post(
        f"/cards/{number}/issue", json={"card_identification_code": code}, headers=headers
    )
    again = desk.client.post(
        f"/cards/{number}/issue", json={"card_identification_code": code.lower()}, headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"


def test_administrators_changes_are_audited(client: Client, world: World, session: Session) -> None:
    headers = world.headers("admin")
    window = client.post(
        f"/platforms/{world.platforms['community_a1'].id}/windows",
        json={"name": "新窗口"},
        headers=headers,
    )
    assert window.status_code == 201
    clerk = client.post(
        "/clerks",
        json={
            "username": "new.clerk",
            "display_name": "新人",
            "password": "a long enough password",
            "role": "community_clerk",
            "platform_id": world.platforms["community_a1"].id,
        },
        headers=headers,
    )
    assert clerk.status_code == 201
    session.expire_all()
    actions = set(session.scalars(select(AuditEvent.action)).all())
    assert {"window.register", "clerk.register"} <= actions


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "abababababab", "1234567890"])
def test_a_new_clerk_password_is_not_trivial(client: Client, world: World, password: str) -> None:
    response = client.post(
        "/clerks",
        json={
            "username": "weak.clerk",
            "display_name": "新人",
            "password": password,
            "role": "community_clerk",
            "platform_id": world.platforms["community_a1"].id,
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 422
