"""``cardsvc serve`` as an operator runs it: its identify worker processes live and die with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CARDSVC = str(Path(sys.executable).parent / "cardsvc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers_of(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    env = {**os.environ, "CARDSVC_DATABASE_URL": f"sqlite:///{tmp_path / 'cardsvc.db'}"}
    subprocess.run([CARDSVC, "migrate"], env=env, check=True)
    port = _free_port()
    process = subprocess.Popen(
        [CARDSVC, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, "cardsvc serve exited"
        assert time.monotonic() < deadline, "cardsvc serve did not start"
        time.sleep(0.1)
    yield process, port
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_identify_workers_end_with_the_server(
    server: tuple[subprocess.Popen[bytes], int], how: signal.Signals
) -> None:
    process, port = server
    workers = _workers_of(process.pid)
    assert len(workers) == 2  # CARDSVC_IDENTIFY_BATCHES_IN_FLIGHT, warmed up before listening
    answer = httpx.post(f"http://127.0.0.1:{port}/identify", json={}, timeout=10)
    assert answer.status_code == 401  # the server answers
    process.send_signal(how)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, f"workers outlived the server after {how.name}"
        time.sleep(0.1)
