from __future__ import annotations

from tests.cardsvc.conftest import Client


def test_health_needs_no_token(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_is_served(client: Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/auth/login", "/residents", "/identify", "/blacklist"} <= set(paths)


def test_unknown_route_is_a_problem(client: Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "http_404"
