"""The resident summary a window shows after a tap, ``GET /residents/{id}/summary``
(identity, cards, employment, insurance, open applications and cases: what identify
answers), its insurance part alone, ``GET /residents/{id}/insurance/summary``, and the
insurance records, ``GET /residents/{id}/insurance``, over HTTP on PostgreSQL at realistic
volume: p50/p99 against ``GET /health`` on the same server.

What it runs
    ``cardsvc serve`` (this checkout, one worker) on a database of 10⁶ residents whose
    insurance histories hold at least 2×10⁷ contribution rows: ``cardsvc seed
    --residents 1000000 --no-histories``, then ``cardsvc.insurance.histories`` for a
    share of them (about 540 rows each: 20 and more years of the five schemes for the
    employees, residents' yearly grades, pensions paid month by month). The database
    (``--name``, default ``sscard_bench_summary``) is built once and reused while it
    holds the residents and the rows; ``--drop`` removes it at the end. Building it takes
    about 20 minutes on two cores.

    A street clerk's token (issued by the bench under the secret it hands the server, as
    ``bench/identify.py`` does: the server still verifies it and loads the clerk and
    window on every request) reads residents with histories in the clerk's jurisdiction,
    sampled at random; every read is audited, as at a window. The baseline is ``GET
    /health`` on the same server through the same client, interleaved with the reads in
    blocks of 50: whatever the machine does to one, it does to the other.

Figures printed
    1. EXPLAIN (ANALYZE, BUFFERS) of the statements the summary runs, captured from
       ``cardsvc.insurance.service.summary`` itself, for the resident with the longest
       history: index scans of a few rows, whatever the history's length.
    2. p50/p99 of the summary routes, the records route and the baseline with one client
       (the service time; goal p99 ≤ 25 ms for the whole resident summary, the median of
       ``--repeats`` runs), then with ``--clients`` clients at once; the ratios to the
       baseline.

    .venv/bin/python bench/resident_summary.py [--requests N] [--clients C] [--repeats R]
        [--residents N] [--contributions N] [--share S] [--postgres URL] [--name DB] [--drop]

About 5 minutes once the database exists.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from identify import ROOT, VENV_BIN, _admin, _admin_db, _exists, serving
from sqlalchemy import create_engine, event, text

from cardsvc.clerks.tokens import TokenClaims, issue_token
from cardsvc.insurance import service
from cardsvc.insurance.histories import load_histories
from cardsvc.kit.database import Database

SEED_TIMEOUT_S = 3600
SAMPLE = 2000
PURPOSE = "窗口业务办理"
# cardsvc refuses its demo secrets on PostgreSQL: the bench sets its own, per run.
TOKEN_SECRET = secrets.token_hex(32)
AUDIT_SECRET = secrets.token_hex(32)


# ---------------------------------------------------------------- the database


def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            residents = connection.scalar(text("SELECT count(*) FROM residents")) or 0
            rows = connection.scalar(text("SELECT count(*) FROM contribution_periods")) or 0
            return int(residents), int(rows)
    except Exception:
        return -1, -1
    finally:
        engine.dispose()


def ensure_database(server: str, name: str, residents: int, rows: int, share: float) -> str:
    """The URL of a database with ``residents`` residents and at least ``rows`` contribution
    rows: reused when present, else seeded (residents, then histories)."""
    url = f"{server}/{name}"
    have = _counts(url) if _exists(server, name) else (-1, -1)
    if have[0] == residents and have[1] >= rows:
        print(f"  {name}: reusing ({have[0]:,} residents, {have[1]:,} contribution rows)")
        return url
    env = {
        **os.environ,
        "CARDSVC_DATABASE_URL": url,
        "CARDSVC_TOKEN_SECRET": TOKEN_SECRET,
        "CARDSVC_AUDIT_SECRET": AUDIT_SECRET,
    }
    if have[0] != residents or have[1] != 0:
        print(f"  {name}: seeding {residents:,} residents (cardsvc seed) ...", flush=True)
        _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _admin(server, f"CREATE DATABASE {name}")
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our own CLI
            [str(VENV_BIN / "cardsvc"), "seed", "--residents", str(residents), "--no-histories"],
            env=env,
            cwd=ROOT,
            capture_output=True,  # it prints demo passwords: keep them off the bench output
            text=True,
            timeout=SEED_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"cardsvc seed failed:\n{done.stderr[-2000:]}")
        print(f"  {name}: residents seeded in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"  {name}: insurance histories for {share:.1%} of them ...", flush=True)
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"    {done:,}/{total:,} residents, {last[0] - started:.0f} s", flush=True)

    database = Database.at(url)
    try:
        with database.unit_of_work() as session:
            counts = load_histories(session, seed=2013, share=share, on_progress=progress)
    finally:
        database.dispose()
    print(
        f"  {name}: {counts.contributions:,} contribution rows and {counts.payments:,} "
        f"payments for {counts.residents:,} residents in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    _admin_db(url, "VACUUM ANALYZE")
    if counts.contributions < rows:
        raise SystemExit(f"only {counts.contributions:,} rows: raise --share and run with --drop")
    return url


# ---------------------------------------------------------------- plans


def explain(url: str) -> None:
    """EXPLAIN ANALYZE of the statements ``service.summary`` runs, for the longest history
    of a retiree drawing a pension (the summary's largest answer)."""
    engine = create_engine(url)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    try:
        with engine.connect() as connection:
            resident = connection.scalar(
                text(
                    "SELECT e.resident_id FROM insurance_enrolments e"
                    " JOIN benefits b ON b.enrolment_id = e.id AND b.status = 'being_paid'"
                    " ORDER BY e.months_paid + e.months_in_arrears DESC, e.id LIMIT 1"
                )
            )
            history = connection.scalar(
                text(
                    "SELECT count(*) FROM contribution_periods p JOIN insurance_enrolments e"
                    " ON e.id = p.enrolment_id WHERE e.resident_id = :r"
                ),
                {"r": resident},
            )
        database = Database(engine)
        with database.unit_of_work() as session:
            event.listen(engine, "before_cursor_execute", capture)
            summary = service.summary(session, int(resident))
            event.remove(engine, "before_cursor_execute", capture)
            print(
                f"\nresident {resident}: {history:,} contribution rows, "
                f"{len(summary.schemes)} schemes, {len(summary.benefits)} benefit(s) being paid"
            )
            for statement, parameters in statements:
                print("\n" + " ".join(statement.split()))
                plan = session.connection().exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                )
                for (line,) in plan:
                    print("    " + line)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- load


@dataclass(frozen=True)
class Work:
    token: str
    residents: list[int]


def work(url: str) -> Work:
    """A street clerk's token at their window; residents with histories they may read."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            clerk_id, window_id, path = connection.execute(
                text(
                    "SELECT c.id, w.id, p.path FROM clerks c"
                    " JOIN windows w ON w.platform_id = c.platform_id"
                    " JOIN platforms p ON p.id = c.platform_id"
                    " WHERE c.role = 'street_clerk' AND c.active AND w.active"
                    " ORDER BY c.id, w.id LIMIT 1"
                )
            ).one()
            connection.execute(text("SELECT setseed(0.2013)"))
            residents = list(
                connection.scalars(
                    text(
                        "SELECT r.id FROM residents r JOIN platforms p ON p.id = r.platform_id"
                        " WHERE p.path LIKE :path AND EXISTS (SELECT 1 FROM"
                        " insurance_enrolments e WHERE e.resident_id = r.id)"
                        " ORDER BY random() LIMIT :k"
                    ),
                    {"path": path + "%", "k": SAMPLE},
                )
            )
    finally:
        engine.dispose()
    expiry = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
    token = issue_token(TOKEN_SECRET.encode(), TokenClaims(clerk_id, window_id, expiry))
    return Work(token, residents)


def _timed(client: httpx.Client, url: str, params: dict[str, str] | None) -> float:
    started = time.perf_counter()
    response = client.get(url, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed


ROUTES = {
    "summary": "/residents/{}/summary",
    "insurance": "/residents/{}/insurance/summary",
    "records": "/residents/{}/insurance",
    "health": "/health",
}


def measure(port: int, job: Work, requests: int, clients: int) -> dict[str, list[float]]:
    """Latencies (ms) of each route, in interleaved blocks of 50, from ``clients`` threads
    with a keep-alive connection each; ``requests`` of each route in all."""
    latencies: dict[str, list[float]] = {route: [] for route in ROUTES}
    lock = threading.Lock()
    per_client = requests // clients

    def run(offset: int) -> None:
        headers = {"Authorization": f"Bearer {job.token}"}
        mine: dict[str, list[float]] = {route: [] for route in ROUTES}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            for block in range(0, per_client, 50):
                for route, path in ROUTES.items():
                    params = None if route == "health" else {"purpose": PURPOSE}
                    for i in range(block, min(block + 50, per_client)):
                        resident = job.residents[(offset + i) % len(job.residents)]
                        mine[route].append(_timed(client, path.format(resident), params))
        with lock:
            for route, values in mine.items():
                latencies[route].extend(values)

    threads = [
        threading.Thread(target=run, args=(n * len(job.residents) // clients,))
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(label: str, latencies: dict[str, list[float]]) -> float:
    """Print each route's p50/p99 and its ratios to the baseline; the summary's p99."""
    h50, h99 = _percentile(latencies["health"], 50), _percentile(latencies["health"], 99)
    print(f"  {label} ({len(latencies['summary']):,} requests of each):")
    for route, values in latencies.items():
        p50, p99 = _percentile(values, 50), _percentile(values, 99)
        ratios = "" if route == "health" else f"   {p50 / h50:4.1f}x / {p99 / h99:4.1f}x"
        print(f"    {ROUTES[route]:<32} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms{ratios}")
    return _percentile(latencies["summary"], 99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--name", default="sscard_bench_summary")
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--contributions", type=int, default=20_000_000)
    parser.add_argument("--share", type=float, default=0.045, help="residents given histories")
    parser.add_argument("--requests", type=int, default=3000, help="of each route")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3, help="of the one-client run")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()

    print(
        f"resident summary bench — {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    url = ensure_database(args.postgres, args.name, args.residents, args.contributions, args.share)
    residents, rows = _counts(url)
    print(f"  database: {residents:,} residents, {rows:,} contribution rows")
    explain(url)
    job = work(url)
    print(f"\n{len(job.residents):,} residents with histories sampled in a street's jurisdiction")
    env = {
        "CARDSVC_DATABASE_URL": url,
        "CARDSVC_TOKEN_SECRET": TOKEN_SECRET,
        "CARDSVC_AUDIT_SECRET": AUDIT_SECRET,
    }
    with serving([sys.executable, "-m", "cardsvc.cli", "serve"], env, cwd=ROOT) as server:
        measure(server.port, job, 400, 1)  # warm up: connections, plans, pages
        ones = [
            report(f"1 client, run {n + 1}", measure(server.port, job, args.requests, 1))
            for n in range(args.repeats)
        ]
        report(f"{args.clients} clients", measure(server.port, job, args.requests, args.clients))
    one = statistics.median(ones)
    verdict = "met" if one <= 25 else "NOT met"
    print(f"\nsummary p99 with one client, median of {len(ones)} runs: {one:.2f} ms")
    print(f"goal p99 ≤ 25 ms: {verdict} (runs: {', '.join(f'{p:.2f}' for p in ones)} ms)")
    if args.drop:
        _admin(args.postgres, f"DROP DATABASE IF EXISTS {args.name} WITH (FORCE)")


if __name__ == "__main__":
    main()
