"""The API's documentation pages work on an intranet: every asset is served by cardsvc."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import uvicorn

from cardsvc.app import create_app
from cardsvc.settings import Settings
from tests.cardsvc.conftest import Client, World

MissingService = Callable[[str], NoReturn]
CHROMIUM = "/usr/bin/chromium"


@pytest.mark.parametrize(("page", "assets"), [("/docs", 2), ("/redoc", 1)])
def test_the_pages_name_only_the_service_own_assets(client: Client, page: str, assets: int) -> None:
    html = client.get(page).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: ?'([^']+)'", html)
    assert not [source for source in sources if "://" in source], sources
    local = [source for source in sources if source.startswith("/static-offline-docs/")]
    assert len(local) >= assets
    for source in local:
        assert client.get(source).status_code == 200, source


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service on SQLite under a real uvicorn on a free port; its base URL."""
    database = tmp_path_factory.mktemp("docs") / "cardsvc.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.system
@pytest.mark.parametrize(
    ("page", "rendered"),
    [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")],
)
def test_the_pages_render_in_a_browser_with_no_way_out(
    served: str, missing_service: MissingService, page: str, rendered: str
) -> None:
    """Headless Chromium with every request to anything but 127.0.0.1 aborted: the page
    still renders its operations, and it never even tried to leave."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        missing_service(f"Chromium is not installed at {CHROMIUM} (Debian package chromium)")
    from playwright.sync_api import Route, sync_playwright

    leaving: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(served):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page_ = browser.new_page()
            page_.route("**/*", only_here)
            page_.goto(served + page)
            page_.wait_for_selector(rendered, timeout=30_000)
            text = page_.inner_text("body")
        finally:
            browser.close()
    assert "/identify" in text
    assert leaving == []


def test_openapi_declares_the_problems_each_operation_answers(client: Client) -> None:
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    identify = schema["paths"]["/identify"]["post"]["responses"]
    card_action = schema["paths"]["/cards/{card_number}/{action}"]["post"]["responses"]
    for responses, statuses in (
        (identify, {"401", "403", "422", "503"}),
        (card_action, {"401", "403", "404", "409", "422"}),
    ):
        assert statuses <= set(responses)
        for status in statuses:
            [media] = responses[status]["content"]
            assert media == "application/problem+json"
    assert "429" in schema["paths"]["/auth/login"]["post"]["responses"]
    assert schema["paths"]["/health"]["get"]["responses"].keys() == {"200"}
    # A body past the limit (413) where the operation takes a body, and only there.
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            takes_body = "requestBody" in operation
            assert ("413" in operation["responses"]) == takes_body, (method, path)
    # Identify's refusals, told apart by code: a card the register does not know, and one
    # whose data disagree with it.
    refused = identify["403"]["description"]
    for code in ("card_not_on_record", "card_mismatch", "card_blacklisted", "card_not_activated"):
        assert f"`{code}`" in refused


def test_a_201_says_where_the_new_record_is(
    client: Client, world: World, resident_payload: Callable[..., dict[str, object]]
) -> None:
    created = client.post("/residents", json=resident_payload(), headers=world.headers("clerk_a1"))
    assert created.status_code == 201
    assert created.headers["location"] == f"/residents/{created.json()['id']}"
    ordered = client.post(
        created.headers["location"] + "/cards",
        json={"reason": "first"},
        headers={**world.headers("clerk_a1"), "Idempotency-Key": "location-test-01"},
    )
    assert ordered.status_code == 201
    assert ordered.headers["location"] == f"/cards/{ordered.json()['card_number']}"
    read = client.get(
        ordered.headers["location"],
        params={"purpose": "窗口业务办理"},
        headers=world.headers("clerk_a1"),
    )
    assert read.status_code == 200


def test_a_validation_problem_names_the_rule_and_the_allowed_values(
    client: Client, world: World
) -> None:
    response = client.post(
        "/cards/N3BR8G4VX/lose",
        json={},
        headers={**world.headers("clerk_a1"), "Idempotency-Key": "allowed-values-01"},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["path", "action"]
    for action in ("issue", "activate", "temporary-loss", "loss", "lift-loss", "cancel"):
        assert f"'{action}'" in error["allowed"]
    assert "lose" not in response.text  # the offending input is never echoed
