from __future__ import annotations

import pytest

from tests.cardsvc.conftest import PASSWORD, Client, World


def _login(client: Client, username: str, window_code: str, password: str = PASSWORD):
    return client.post(
        "/auth/login", json={"username": username, "password": password, "window_code": window_code}
    )


def test_login_returns_a_token_bound_to_clerk_and_window(client: Client, world: World) -> None:
    window = world.windows["clerk_a1"]
    response = _login(client, "clerk.a1", window.code)
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["clerk"]["username"] == "clerk.a1"
    assert me["window_code"] == window.code
    assert me["clerk"]["certified"] is True


def test_wrong_password_is_401_problem(client: Client, world: World) -> None:
    response = _login(client, "clerk.a1", world.windows["clerk_a1"].code, "wrong password")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "bad_credentials"
    assert response.json()["detail"] == "用户名或密码错误"


def test_unknown_user_is_401(client: Client, world: World) -> None:
    assert _login(client, "nobody", world.windows["clerk_a1"].code).status_code == 401


def test_login_at_another_platforms_window_is_refused(client: Client, world: World) -> None:
    response = _login(client, "clerk.a1", world.windows["clerk_a2"].code)
    assert response.status_code == 403
    assert response.json()["code"] == "window_outside_jurisdiction"


def test_street_clerk_may_log_in_at_a_community_window(client: Client, world: World) -> None:
    assert _login(client, "street.a", world.windows["clerk_a1"].code).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer forged.token", "Basic abc"])
def test_protected_routes_need_a_valid_token(
    client: Client, world: World, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    for method, url in [("GET", "/auth/me"), ("GET", "/platforms"), ("GET", "/residents")]:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 401, url
        assert response.json()["status"] == 401


def test_admin_creates_a_street_centre_named_by_the_rule(client: Client, world: World) -> None:
    county = world.platforms["county"]
    response = client.post(
        "/platforms",
        json={
            "parent_id": county.id,
            "kind": "street",
            "region_code": "320102",
            "base_name": "新街口",
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "新街口街道人力资源和社会保障服务中心"
    assert body["unified_code"] == "320102003"  # third street of the county
    assert body["level"] == "street"


@pytest.mark.parametrize(
    ("clerk", "status"),
    [("admin", 201), ("city_admin", 201), ("street_a", 403), ("clerk_a1", 403), ("auditor", 403)],
)
def test_who_may_create_platforms(client: Client, world: World, clerk: str, status: int) -> None:
    response = client.post(
        "/platforms",
        json={
            "parent_id": world.platforms["street_a"].id,
            "kind": "community",
            "region_code": "320102",
            "base_name": "台城",
        },
        headers=world.headers(clerk),
    )
    assert response.status_code == status


def test_wrong_region_code_is_422(client: Client, world: World) -> None:
    response = client.post(
        "/platforms",
        json={
            "parent_id": world.platforms["county"].id,
            "kind": "street",
            "region_code": "320104",
            "base_name": "x",
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_region_code"


def test_windows_are_registered_to_a_platform(client: Client, world: World) -> None:
    platform = world.platforms["community_b1"]
    response = client.post(
        f"/platforms/{platform.id}/windows",
        json={"name": "二号窗口"},
        headers=world.headers("admin"),
    )
    assert response.status_code == 201
    assert response.json()["code"] == f"{platform.unified_code}W02"
    denied = client.post(
        f"/platforms/{platform.id}/windows", json={"name": "x"}, headers=world.headers("clerk_b1")
    )
    assert denied.status_code == 403


def test_platform_list_is_limited_to_the_jurisdiction(client: Client, world: World) -> None:
    page = client.get("/platforms", headers=world.headers("street_a")).json()
    assert [p["name"] for p in page["items"]] == [  # hierarchy order: its own first
        "玄武门街道人力资源和社会保障服务中心",
        "虹桥社区人力资源和社会保障服务站",
        "百子亭社区人力资源和社会保障服务站",
    ]
    assert (page["total"], page["total_exact"], page["next"]) == (3, True, None)


def test_admin_registers_a_certified_clerk(client: Client, world: World) -> None:
    body = {
        "username": "new.clerk",
        "display_name": "王五",
        "password": "a long enough password",
        "role": "community_clerk",
        "platform_id": world.platforms["community_a1"].id,
        "certified_on": "2024-05-01",
    }
    response = client.post("/clerks", json=body, headers=world.headers("admin"))
    assert response.status_code == 201
    assert response.json()["certified"] is True
    assert "password" not in response.text
    again = client.post("/clerks", json=body, headers=world.headers("admin"))
    assert again.json()["code"] == "username_taken"
    assert client.post("/clerks", json=body, headers=world.headers("street_a")).status_code == 403
