"""``POST /identify`` over HTTP on PostgreSQL: this checkout against a baseline checkout,
one worker and two, and p99 as the population grows from 10⁴ to 10⁶ residents.

What it runs
    The service is ``cardsvc serve`` itself, in its own process. The baseline is the
    same command from another commit (``--baseline-ref``, default ``54bc476``: identify
    dispatched ahead of FastAPI with its cooperative psycopg bridge, before the
    one-stack change), checked out with ``git worktree`` into a temporary folder and run
    by the same interpreter and packages with that folder first on ``PYTHONPATH``. Both
    serve the same database with the same load; the runs are interleaved. Everything
    listens on 127.0.0.1 only.

Load generator: Debian ``wrk`` (``apt-get install wrk``; not a project dependency)
    wrk is C, event-driven, and one thread of it drives 100 keep-alive connections
    with a small fraction of one core: on a 2-core machine a Python generator would
    compete with the server (and PostgreSQL) for the same cores. A Lua script cycles
    through several thousand identify bodies of real normal cards sampled from the
    database, with a clerk token in the Authorization header, and stops a thread after
    a fixed request count: every load is bounded in time (``-d``) and in count.

Tokens are issued by the bench with a per-run secret handed to the server in
``CARDSVC_TOKEN_SECRET`` (``cardsvc serve`` refuses the demo secrets on PostgreSQL, so
``CARDSVC_AUDIT_SECRET`` is set too): the server still verifies every token and loads
the clerk and window on each request, and every identify is audited.

Databases ``sscard_bench_1e4`` and ``sscard_bench_1e6`` (``--quick``: ``_1e3`` and
``_1e5``) on the PostgreSQL server at ``--postgres`` are seeded with ``cardsvc seed
--residents N`` the first time and reused while they hold N residents (10⁶ residents
load once, a few minutes); ``--drop`` drops them at the end. Each run appends its
identify audit rows.

Figures printed
    1. identify at 100 connections on the small database: this checkout and the
       baseline, one worker each, then this checkout with ``--workers 2``: requests/s,
       p50, p99; the throughput ratio this/baseline (goal ≥ 0.85×) and p99 (goal
       ≤ 60 ms); medians of interleaved repeats.
    2. identify p50/p99 on the small and the large database, at 100 connections and at
       1 connection (where p99 is the service time, not queueing), and the growth
       ratio large/small (goal ≤ 1.3×).

    .venv/bin/python bench/identify.py [--quick] [--duration S] [--repeats R]
                                       [--connections C] [--baseline-ref REF]
                                       [--postgres URL] [--drop]

Full run about 10 minutes once the databases exist (the first 10⁶ load adds about 7
minutes); ``--quick`` about 2 minutes after its first load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from cardsvc.clerks.tokens import TokenClaims, issue_token

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
BODIES = 5000
MAX_REQUESTS_PER_RUN = 2_000_000  # a bound far above what 2 cores serve in a run
SEED_TIMEOUT_S = 1800
WRK = shutil.which("wrk") or "wrk"
# cardsvc serve refuses its demo secrets on PostgreSQL: the bench sets its own per run.
AUDIT_SECRET = secrets.token_urlsafe(32)


# ---------------------------------------------------------------- databases


def _admin(server: str, statement: str) -> None:
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _exists(server: str, name: str) -> bool:
    engine = create_engine(f"{server}/postgres")
    try:
        with engine.connect() as connection:
            return bool(
                connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            )
    finally:
        engine.dispose()


def _residents(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM residents")) or 0)
    except Exception:
        return -1
    finally:
        engine.dispose()


def ensure_database(server: str, name: str, residents: int) -> str:
    """The URL of a database holding ``residents`` seeded residents (seeded if needed)."""
    url = f"{server}/{name}"
    if _exists(server, name) and _residents(url) == residents:
        print(f"  {name}: reusing ({residents:,} residents)", flush=True)
        return url
    print(f"  {name}: seeding {residents:,} residents (cardsvc seed) ...", flush=True)
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(server, f"CREATE DATABASE {name}")
    started = time.perf_counter()
    env = {
        **os.environ,
        "CARDSVC_DATABASE_URL": url,
        # cardsvc refuses its demo secrets on PostgreSQL: the bench's own, for this run.
        "CARDSVC_TOKEN_SECRET": secrets.token_urlsafe(32),
        "CARDSVC_AUDIT_SECRET": AUDIT_SECRET,
    }
    done = subprocess.run(  # noqa: S603 - our own CLI
        [str(VENV_BIN / "cardsvc"), "seed", "--residents", str(residents)],
        env=env,
        cwd=ROOT,
        capture_output=True,  # it prints demo passwords: keep them off the bench output
        text=True,
        timeout=SEED_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        raise SystemExit(f"cardsvc seed failed:\n{done.stderr[-2000:]}")
    _admin_db(url, "VACUUM ANALYZE")
    print(f"  {name}: seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def _admin_db(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Workload:
    token: str
    bodies: list[str]


def workload(url: str, secret: bytes) -> Workload:
    """A community clerk's token at their window, and bodies of sampled normal cards."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            clerk_id, window_id = connection.execute(
                text(
                    "SELECT c.id, w.id FROM clerks c JOIN windows w"
                    " ON w.platform_id = c.platform_id"
                    " WHERE c.role = 'community_clerk' AND c.active AND w.active"
                    " ORDER BY c.id, w.id LIMIT 1"
                )
            ).one()
            connection.execute(text("SELECT setseed(0.2013)"))
            rows = connection.execute(
                text(
                    "SELECT c.card_identification_code, c.card_number,"
                    " r.social_security_number FROM cards c"
                    " JOIN residents r ON r.id = c.resident_id"
                    " WHERE c.status = 'normal' ORDER BY random() LIMIT :k"
                ),
                {"k": BODIES},
            ).all()
    finally:
        engine.dispose()
    expiry = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
    token = issue_token(secret, TokenClaims(clerk_id, window_id, expiry))
    bodies = [
        json.dumps(
            {
                "card_identification_code": cid,
                "card_number": number,
                "social_security_number": ssn,
                "purpose": "窗口读卡识别",
            },
            ensure_ascii=False,
        )
        for cid, number, ssn in rows
    ]
    return Workload(token, bodies)


# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    def cpu_seconds(self) -> float:
        """CPU seconds of the server and its worker processes (the process group)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            if int(fields[2]) == self.process.pid:  # the process group: the server's own
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def serving(command: list[str], env: dict[str, str], cwd: Path) -> Any:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own programs
        [*command, "--host", HOST, "--port", str(port)],
        cwd=cwd,
        env={**os.environ, **env},
        start_new_session=True,  # with --workers, the whole group is stopped
        stdout=subprocess.DEVNULL,  # the access log, on both sides alike
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SystemExit(f"server exited:\n{process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                socket.create_connection((HOST, port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start within 30 s") from None
                time.sleep(0.1)
        yield Server(process, port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cardsvc_server(
    url: str, secret: bytes, *, workers: int = 1, tree: Path | None = None
) -> Any:
    """``cardsvc serve`` on ``url``: this checkout's, or the one in ``tree``."""
    env = {
        "CARDSVC_DATABASE_URL": url,
        "CARDSVC_TOKEN_SECRET": secret.decode(),
        "CARDSVC_AUDIT_SECRET": AUDIT_SECRET,
    }
    command = [sys.executable, "-m", "cardsvc.cli", "serve"]
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    elif workers > 1:
        command += ["--workers", str(workers)]
    return serving(command, env, cwd=tree or ROOT)


@contextmanager
def baseline_tree(ref: str) -> Iterator[Path]:
    """A checkout of ``ref`` in a temporary folder (``git worktree``), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sscard-baseline-") as scratch:
        tree = Path(scratch) / "tree"
        subprocess.run(  # noqa: S603 - git on our own repository
            ["git", "worktree", "add", "--detach", str(tree), ref],  # noqa: S607
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(  # noqa: S603
                ["git", "worktree", "remove", "--force", str(tree)],  # noqa: S607
                cwd=ROOT,
                check=False,
                capture_output=True,
            )


# ---------------------------------------------------------------- load


_LUA = r"""
local bodies = {
%(bodies)s
}
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer %(token)s",
}
local cap = %(cap)d
local i = %(offset)d
local answered = 0

request = function()
  i = i + 1
  return wrk.format("POST", "/identify", headers, bodies[(i %% #bodies) + 1])
end

response = function(status, hdrs, body)
  answered = answered + 1
  if answered >= cap then wrk.thread:stop() end
end

done = function(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {\"requests\":%%d,\"duration_us\":%%d,\"bytes\":%%d,\"non2xx\":%%d," ..
    "\"connect\":%%d,\"read\":%%d,\"write\":%%d,\"timeout\":%%d," ..
    "\"p50\":%%d,\"p90\":%%d,\"p99\":%%d,\"max\":%%d}\n",
    summary.requests, summary.duration, summary.bytes, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def lua_script(work: Workload, directory: Path) -> Path:
    for body in work.bodies:
        if "]==]" in body:
            raise ValueError("body cannot be quoted as a Lua long string")
    script = directory / "identify.lua"
    script.write_text(
        _LUA
        % {
            "bodies": ",\n".join(f"[==[{body}]==]" for body in work.bodies),
            "token": work.token,
            "cap": MAX_REQUESTS_PER_RUN,
            "offset": secrets.randbelow(len(work.bodies)),
        },
        encoding="utf-8",
    )
    return script


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    failures: int
    server_cpu: float  # cores the server process used on average
    wrk_cpu: float  # cores wrk used on average


def settle(server: Server, limit_s: float = 20.0) -> None:
    """Wait until the server is idle: requests wrk left in flight are still being served."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        time.sleep(0.5)
        if server.cpu_seconds() - before < 0.05:
            return


def load(server: Server, script: Path, connections: int, seconds: float) -> Run:
    settle(server)
    before_server = server.cpu_seconds()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [
            WRK,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://{HOST}:{server.port}/identify",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = (server.cpu_seconds() - before_server) / wall
    wrk_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    failures = sum(data[k] for k in ("non2xx", "connect", "read", "write", "timeout"))
    return Run(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50"] / 1e3,
        p99_ms=data["p99"] / 1e3,
        max_ms=data["max"] / 1e3,
        requests=data["requests"],
        failures=failures,
        server_cpu=server_cpu,
        wrk_cpu=wrk_cpu,
    )


def describe(label: str, run: Run) -> None:
    fail = f"  FAILED {run.failures}" if run.failures else ""
    print(
        f"  {label:<34}{run.rps:>9.0f}{run.p50_ms:>9.1f}{run.p99_ms:>9.1f}{run.max_ms:>9.1f}"
        f"{run.server_cpu:>8.2f}{run.wrk_cpu:>7.2f}{run.requests:>9}{fail}",
        flush=True,
    )


HEADER = (
    f"  {'run':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    f"{'srv cpu':>8}{'wrk cpu':>7}{'requests':>9}"
)


def check_identify(server: Server, work: Workload) -> None:
    """One identify by hand: it must succeed."""
    response = httpx.post(
        f"http://{HOST}:{server.port}/identify",
        content=work.bodies[0].encode(),
        headers={"Authorization": f"Bearer {work.token}", "Content-Type": "application/json"},
        timeout=10,
    )
    if response.status_code != 200:
        raise SystemExit(f"identify answered {response.status_code}: {response.text}")


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10³/10⁵ residents, short runs")
    parser.add_argument("--duration", type=float, help="seconds per measured run")
    parser.add_argument("--repeats", type=int, help="interleaved repeats of each comparison")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "CARDSVC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
        ),
        help="PostgreSQL server URL without a database",
    )
    parser.add_argument(
        "--baseline-ref",
        default="54bc476",
        help="the commit to compare with (default: before identify joined the ordinary stack)",
    )
    parser.add_argument("--drop", action="store_true", help="drop the bench databases at the end")
    args = parser.parse_args()
    if WRK == "wrk":
        raise SystemExit("needs wrk (Debian: apt-get install wrk)")
    duration = args.duration or (5.0 if args.quick else 15.0)
    repeats = args.repeats or (1 if args.quick else 3)
    warmup = 2.0 if args.quick else 3.0
    sizes = (10**3, 10**5) if args.quick else (10**4, 10**6)
    names = [f"sscard_bench_1e{len(str(n)) - 1}" for n in sizes]
    conns = args.connections

    print(
        f"identify bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python "
        f"{platform.python_version()}; {os.cpu_count()} CPUs; wrk -t1 -c{conns}; "
        f"{duration:.0f} s runs, {repeats} repeat(s)",
        flush=True,
    )
    print("databases:", flush=True)
    urls = [ensure_database(args.postgres, name, n) for name, n in zip(names, sizes, strict=True)]
    secret = secrets.token_urlsafe(32).encode()

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        works = [workload(url, secret) for url in urls]
        scripts = []
        for index, work in enumerate(works):
            sub = directory / str(index)
            sub.mkdir()
            scripts.append(lua_script(work, sub))

        # 1. this checkout against the baseline, one worker each; then two workers
        print(
            f"\n1. identify, this checkout vs {args.baseline_ref} ({sizes[0]:,} residents, "
            f"{conns} connections)",
            flush=True,
        )
        print(HEADER)
        runs: dict[str, list[Run]] = {"this": [], "baseline": [], "this, 2 workers": []}
        with baseline_tree(args.baseline_ref) as tree:
            for repeat in range(repeats):
                for label, options in (
                    ("this", {}),
                    ("baseline", {"tree": tree}),
                    ("this, 2 workers", {"workers": 2}),
                ):
                    with cardsvc_server(urls[0], secret, **options) as server:
                        check_identify(server, works[0])
                        load(server, scripts[0], conns, warmup)
                        run = load(server, scripts[0], conns, duration)
                        runs[label].append(run)
                        describe(f"{label} #{repeat + 1}", run)
        rps = {label: statistics.median(r.rps for r in rs) for label, rs in runs.items()}
        p99 = {label: statistics.median(r.p99_ms for r in rs) for label, rs in runs.items()}
        ratio = rps["this"] / rps["baseline"] if rps["baseline"] else 0.0
        pairs = ", ".join(
            f"{t.rps / b.rps:.2f}x"
            for t, b in zip(runs["this"], runs["baseline"], strict=True)
        )
        for label in runs:
            print(f"  median {label:<16} {rps[label]:>7.0f} req/s, p99 {p99[label]:.1f} ms")
        print(
            f"  throughput this/baseline = {ratio:.2f}x (goal >= 0.85x: "
            f"{'met' if ratio >= 0.85 else 'MISSED'}); each pair: {pairs}\n"
            f"  p99 at {conns} connections, one worker: {p99['this']:.1f} ms (goal <= 60 ms: "
            f"{'met' if p99['this'] <= 60 else 'MISSED'}); two workers / one: "
            f"{rps['this, 2 workers'] / rps['this']:.2f}x",
            flush=True,
        )

        # 2. p99 as the population grows
        print(f"\n2. identify p99, {sizes[0]:,} vs {sizes[1]:,} residents", flush=True)
        print(HEADER)
        by: dict[tuple[int, int], list[Run]] = {}
        for repeat in range(repeats):
            for index, (url, size) in enumerate(zip(urls, sizes, strict=True)):
                with cardsvc_server(url, secret) as server:
                    check_identify(server, works[index])
                    load(server, scripts[index], conns, warmup)
                    for c in (conns, 1):
                        run = load(server, scripts[index], c, duration)
                        by.setdefault((size, c), []).append(run)
                        describe(f"{size:>9,} residents, c={c:<3} #{repeat + 1}", run)
        for c in (conns, 1):
            small = statistics.median(r.p99_ms for r in by[(sizes[0], c)])
            large = statistics.median(r.p99_ms for r in by[(sizes[1], c)])
            small50 = statistics.median(r.p50_ms for r in by[(sizes[0], c)])
            large50 = statistics.median(r.p50_ms for r in by[(sizes[1], c)])
            growth = large / small if small else float("inf")
            # A shared host pauses now and then (100-300 ms, hitting either database
            # alike); at one client, 1% of a run's requests is a few dozen, so one pause
            # sets a run's p99. The least disturbed run of each size is shown beside it.
            small_best = min(r.p99_ms for r in by[(sizes[0], c)])
            large_best = min(r.p99_ms for r in by[(sizes[1], c)])
            print(
                f"  c={c:<3}: p99 {small:.1f} -> {large:.1f} ms (p50 {small50:.1f} -> "
                f"{large50:.1f}); growth {growth:.2f}x "
                f"(goal <= 1.3x: {'met' if growth <= 1.3 else 'MISSED'}); least disturbed "
                f"runs {small_best:.1f} -> {large_best:.1f} ms, {large_best / small_best:.2f}x",
                flush=True,
            )
        failed = sum(
            r.failures for group in [*runs.values(), *by.values()] for r in group
        )
        if failed:
            print(f"\nWARNING: {failed} failed or non-2xx responses (see FAILED above)")

    if args.drop:
        for name in names:
            _admin(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        print("dropped", ", ".join(names))


if __name__ == "__main__":
    main()
