"""The served access log never holds what a lookup carries in its query string."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.clerks.tokens import TokenClaims, issue_token
from cardsvc.kit.database import make_engine
from cardsvc.migrations import upgrade
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import add_window, build_platform
from cardsvc.serving import QueryStringsHidden
from tests.cardsvc.conftest import TOKEN_SECRET, make_ssn

SERVE = "import sys; from cardsvc.serving import serve; serve('127.0.0.1', int(sys.argv[1]))"


def _clerk_token(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        repository = PlatformRepository(session)
        parent = None
        for kind, region, base in [
            (Kind.province, "320000", "江苏省"),
            (Kind.city, "320100", "南京市"),
            (Kind.county, "320102", "玄武区"),
            (Kind.street, "320102", "玄武门"),
            (Kind.community, "320102", "虹桥"),
        ]:
            data = PlatformCreate(kind=kind, region_code=region, base_name=base)
            parent = build_platform(repository, parent, data)
        assert parent is not None
        window = add_window(repository, parent, "一号窗口")
        clerk = Clerk(
            username="clerk",
            display_name="clerk",
            password_hash="-",  # noqa: S106 - the token is issued directly
            role=Role.community_clerk,
            platform_id=parent.id,
        )
        session.add(clerk)
        session.commit()
        claims = TokenClaims(
            clerk.id, window.id, int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
        )
    engine.dispose()
    return issue_token(TOKEN_SECRET.encode(), claims)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_lookup_by_number_or_name_leaves_neither_in_the_access_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cardsvc.db'}"
    upgrade(url)
    token = _clerk_token(url)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w+b")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        env={**os.environ, "CARDSVC_DATABASE_URL": url},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    number = make_ssn()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start within 60 s"
            time.sleep(0.1)
        for criteria in ({"social_security_number": number}, {"name": "张三"}):
            response = httpx.get(
                f"http://127.0.0.1:{port}/residents",
                params={"purpose": "窗口业务办理", **criteria},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    log.seek(0)
    written = log.read().decode(errors="replace")
    log.close()
    assert written.count('"GET /residents HTTP/1.1" 200') == 2, written[-2000:]
    for secret in (number, "张三", "%E5%BC%A0", "purpose"):
        assert secret not in written


@pytest.mark.parametrize(
    ("path", "logged"),
    [("/residents?name=%E5%BC%A0", "/residents"), ("/health", "/health"), ("/a?", "/a")],
)
def test_the_filter_keeps_the_path_alone(path: str, logged: str) -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    assert QueryStringsHidden().filter(record)
    assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'
