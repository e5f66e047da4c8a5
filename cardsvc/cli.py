"""``cardsvc``: serve the API, migrate, verify the audit trail, import, seed, housekeeping.

cardsvc serve [--host H] [--port P] [--workers N]
cardsvc migrate
cardsvc audit verify [--anchors FILE]
cardsvc audit anchor [--anchors FILE]
cardsvc clerks create-admin --username U [--display-name N] [--password-stdin]
cardsvc clerks deactivate|activate USERNAME
cardsvc clerks move USERNAME --platform CODE
cardsvc clerks set-role USERNAME ROLE
cardsvc cards lapse-temporary-losses
cardsvc import residents FILE.csv [--report FILE] [--max-problems N]
cardsvc import cards FILE.csv [--report FILE] [--max-problems N]
cardsvc seed --residents N [--seed S] [--source NAME | --from-csv DIR] [--no-histories]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from cardsvc.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cardsvc.audit.service import AuditTrail
    from cardsvc.imports.rows import Problem
    from cardsvc.imports.service import ImportResult
    from cardsvc.kit.database import Database


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The command's database, its connections closed when the command is done."""
    from cardsvc.kit.database import Database

    database = Database.at(settings.database_url)
    try:
        yield database
    finally:
        database.dispose()


@contextmanager
def _unit_of_work(settings: Settings) -> Iterator[Session]:
    """One command's unit of work (``cardsvc.kit.uow``) on a database of its own."""
    with _database(settings) as database, database.unit_of_work() as session:
        yield session


def _system_audit(session: Session, settings: Settings) -> AuditTrail:
    from cardsvc.audit.service import AuditTrail

    return AuditTrail(session, None, settings.audit_secret.get_secret_value().encode())


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from cardsvc.serving import serve

    serve(args.host, args.port, workers=args.workers, trusted_proxies=args.trusted_proxies)
    return 0


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from cardsvc.migrations import upgrade

    if settings.database_url.startswith("sqlite:///./var/"):
        Path("var").mkdir(exist_ok=True)
    upgrade(settings.database_url)
    return 0


# Breaks listed one by one; past this, a count (a wrong secret breaks every row).
_BREAKS_SHOWN = 50


def _anchors_file(settings: Settings, args: argparse.Namespace) -> Path | None:
    chosen: Path | None = args.anchors or settings.audit_anchors
    return chosen


def _audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from cardsvc.audit.chain import read_anchor
    from cardsvc.audit.service import verify_chain

    anchors = []
    path = _anchors_file(settings, args)
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
            anchors = [read_anchor(line) for line in lines if line.strip()]
        except (OSError, ValueError) as error:
            print(f"cardsvc: cannot read the anchors file {path}: {error}", file=sys.stderr)
            return 2
    secret = settings.audit_secret.get_secret_value().encode()
    with _unit_of_work(settings) as session:
        breaks = list(verify_chain(session, secret, anchors))
    for item in breaks[:_BREAKS_SHOWN]:
        print(f"audit row {item.seq}: {item.reason}")
    if len(breaks) > _BREAKS_SHOWN:
        print(f"... and {len(breaks) - _BREAKS_SHOWN} more")
    if breaks:
        print(f"audit trail broken: {len(breaks)} problem(s)", file=sys.stderr)
        rows = [item for item in breaks if item.reason != "forged anchor"]
        edited = [item.seq for item in rows if item.reason == "edited"]
        if edited and edited == list(range(1, len(rows) + 1)):
            print(
                "every row from the first fails its HMAC: CARDSVC_AUDIT_SECRET may not be "
                "the secret the service writes with",
                file=sys.stderr,
            )
        return 1
    checked = (
        f", {len(anchors)} anchor(s) matched"
        if anchors
        else " (no anchors given: a cut tail cannot be seen)"
    )
    print(f"audit trail intact{checked}")
    return 0


def _audit_anchor(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from cardsvc.audit.service import anchor_head
    from cardsvc.kit.types import utcnow

    path = _anchors_file(settings, args)
    if path is None:
        print(
            "cardsvc: say where anchors are kept: --anchors FILE or CARDSVC_AUDIT_ANCHORS "
            "(outside the database's machine, where its administrators cannot write)",
            file=sys.stderr,
        )
        return 2
    secret = settings.audit_secret.get_secret_value().encode()
    with _unit_of_work(settings) as session:
        anchor = anchor_head(session, secret, utcnow())
    if anchor is None:
        print("the audit trail is empty: nothing to anchor")
        return 0
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(anchor.line() + "\n")
        out.flush()
        os.fsync(out.fileno())
    print(f"anchored audit row {anchor.seq} in {path}")
    return 0


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    import secrets

    from cardsvc.clerks.passwords import Passwords
    from cardsvc.clerks.service import bootstrap_administrator
    from cardsvc.errors import DomainError

    generated = not args.password_stdin
    password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().rstrip("\n")
    try:
        with _unit_of_work(settings) as session:
            clerk, window = bootstrap_administrator(
                session,
                _system_audit(session, settings),
                Passwords(settings),
                username=args.username,
                display_name=args.display_name,
                password=password,
                province_code=args.province_code,
                province_name=args.province_name,
            )
    except DomainError as error:
        print(f"cardsvc: {error.detail} ({error.code})", file=sys.stderr)
        return 1
    print(f"administrator {clerk.username} created at window {window.code}")
    if generated:
        print(f"password (shown once): {password}")
    return 0


def _change_clerk(settings: Settings, args: argparse.Namespace) -> int:
    from cardsvc.clerks.permissions import Role
    from cardsvc.clerks.service import change_clerk
    from cardsvc.errors import DomainError

    command = args.clerks_command
    active = {"deactivate": False, "activate": True}.get(command)
    platform_code = args.platform if command == "move" else None
    role = Role(args.role) if command == "set-role" else None
    try:
        with _unit_of_work(settings) as session:
            clerk = change_clerk(
                session,
                _system_audit(session, settings),
                args.username,
                active=active,
                platform_code=platform_code,
                role=role,
            )
            summary = (
                f"clerk {clerk.username}: {'active' if clerk.active else 'inactive'}, "
                f"role {clerk.role.value}, platform {clerk.platform.unified_code}; "
                "their sessions have ended"
            )
    except DomainError as error:
        print(f"cardsvc: {error.detail} ({error.code})", file=sys.stderr)
        return 1
    print(summary)
    return 0


def _lapse_temporary_losses(settings: Settings, args: argparse.Namespace) -> int:
    from cardsvc.cards.lifecycle import lapse_temporary_losses
    from cardsvc.kit.types import utcnow

    total = 0
    with _database(settings) as database:
        while True:  # one transaction per batch: a long sweep never holds many locks
            with database.unit_of_work() as session:
                lapsed = lapse_temporary_losses(
                    session, _system_audit(session, settings), settings, utcnow(), limit=args.batch
                )
            total += lapsed
            if lapsed < args.batch:
                break
    print(f"{total} temporary loss report(s) lapsed")
    return 0


def _write_report(problems: Sequence[Problem], out: TextIO, truncated: bool) -> None:
    writer = csv.writer(out)
    writer.writerow(["行号(line)", "列(column)", "代码(code)", "说明(message)"])
    for problem in problems:
        writer.writerow([problem.line, problem.column, problem.code, problem.message])
    if truncated:
        writer.writerow(["", "", "too_many_problems", "错误过多，其余未列出"])


def run_import(settings: Settings, kind: str, path: Path, **options: object) -> ImportResult:
    """Import one file in one transaction (``ImportRefusedError`` if anything is wrong)."""
    from cardsvc.imports.service import import_cards, import_residents
    from cardsvc.kit.types import utcnow

    load = import_residents if kind == "residents" else import_cards
    with path.open("rb") as raw:
        sha256 = hashlib.file_digest(raw, "sha256").hexdigest()  # what sha256sum prints
    with path.open(encoding="utf-8-sig", newline="") as file, _unit_of_work(settings) as session:
        return load(
            session,
            _system_audit(session, settings),
            csv.reader(file),
            utcnow(),
            sha256=sha256,
            **options,  # type: ignore[arg-type]
        )


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from cardsvc.imports.service import ImportRefusedError

    started = time.perf_counter()
    try:
        result = run_import(settings, args.kind, args.file, max_problems=args.max_problems)
    except ImportRefusedError as refused:
        if args.report:
            with args.report.open("w", encoding="utf-8-sig", newline="") as out:
                _write_report(refused.problems, out, refused.truncated)
        else:
            _write_report(refused.problems, sys.stdout, refused.truncated)
        print(f"cardsvc: {refused.detail}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print("cardsvc: 文件不是UTF-8编码，未导入任何数据", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    rate = result.rows / elapsed if elapsed else 0.0
    print(f"imported {result.rows} {args.kind} in {elapsed:.1f} s ({rate:,.0f} rows/s)")
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    import tempfile

    from cardsvc.clerks.passwords import Passwords
    from cardsvc.imports.service import ImportRefusedError
    from cardsvc.insurance.histories import HistoriesError, load_histories
    from cardsvc.migrations import upgrade
    from cardsvc.seed import SeedError, build_demo_province, population_source

    try:
        source = None if args.from_csv else population_source(args.source)
        upgrade(settings.database_url)
        with _unit_of_work(settings) as session:
            province = build_demo_province(session, Passwords(settings))
        print(f"{len(province.platforms)} platforms; clerks (username, password, role, window):")
        for clerk in province.clerks:
            print(
                f"  {clerk.username:<22} {clerk.password:<20} {clerk.role.value:<18} "
                f"{clerk.window_code}  {clerk.platform_name}"
            )
        with tempfile.TemporaryDirectory() as scratch:
            directory = args.from_csv or Path(scratch)
            if source is not None:
                source(args.residents, directory, seed=args.seed, communities=province.communities)
            for kind in ("residents", "cards"):
                result = run_import(settings, kind, directory / f"{kind}.csv")
                print(f"imported {result.rows} {kind}")
        if args.histories:
            with _unit_of_work(settings) as session:
                counts = load_histories(session, seed=args.seed, on_progress=_print_progress)
            print(
                f"insurance histories: {counts.contributions} contribution months and "
                f"{counts.payments} benefit payments for {counts.residents} residents"
            )
    except (SeedError, HistoriesError) as error:
        print(f"cardsvc: {error}", file=sys.stderr)
        return 1
    except ImportRefusedError as refused:
        _write_report(refused.problems, sys.stdout, refused.truncated)
        print(f"cardsvc: {refused.detail}", file=sys.stderr)
        return 1
    return 0


def _print_progress(done: int, total: int) -> None:
    print(f"\rinsurance histories: {done}/{total} residents", end="", file=sys.stderr)
    if done == total:
        print(file=sys.stderr)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1,000,000, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cardsvc", description="The one-card service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (default 1); they share only the database (docs/deployment.md)",
    )
    serve.add_argument(
        "--trusted-proxies",
        default="",
        metavar="ADDRESSES",
        help="the proxies whose X-Forwarded-For names the client (comma-separated addresses "
        "or networks, e.g. 10.1.0.5); default none: the client is the connection's peer",
    )
    serve.set_defaults(handler=_serve)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(handler=_migrate)

    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="check the keyed hash chain (and its anchors); exit 1 if broken"
    )
    verify.add_argument(
        "--anchors",
        type=Path,
        help="anchors file written by 'audit anchor' (default: CARDSVC_AUDIT_ANCHORS)",
    )
    anchor = audit_commands.add_parser(
        "anchor", help="append a signed checkpoint of the chain's head to the anchors file"
    )
    anchor.add_argument(
        "--anchors", type=Path, help="anchors file (default: CARDSVC_AUDIT_ANCHORS)"
    )
    anchor.set_defaults(handler=_audit_anchor)
    verify.set_defaults(handler=_audit_verify)

    clerks = commands.add_parser("clerks", help="clerk accounts")
    clerk_commands = clerks.add_subparsers(dest="clerks_command", required=True)
    admin = clerk_commands.add_parser(
        "create-admin", help="the first administrator (and the province platform, if missing)"
    )
    admin.add_argument("--username", required=True)
    admin.add_argument("--display-name", default="系统管理员")
    admin.add_argument("--province-code", default="320000", help="GB/T 2260, default 320000")
    admin.add_argument("--province-name", default="江苏省")
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: generate and print one)",
    )
    admin.set_defaults(handler=_create_admin)
    for name, what in (
        ("deactivate", "stop a clerk's account; their tokens stop working at once"),
        ("activate", "let a deactivated clerk log in again (old tokens stay dead)"),
        ("move", "move a clerk to another platform; their tokens stop working at once"),
        ("set-role", "change a clerk's role; their tokens stop working at once"),
    ):
        change = clerk_commands.add_parser(name, help=what)
        change.add_argument("username")
        if name == "move":
            change.add_argument("--platform", required=True, help="the platform's unified code")
        if name == "set-role":
            from cardsvc.clerks.permissions import Role

            change.add_argument("role", choices=[role.value for role in Role])
        change.set_defaults(handler=_change_clerk)

    cards = commands.add_parser("cards", help="card housekeeping")
    card_commands = cards.add_subparsers(dest="cards_command", required=True)
    lapse = card_commands.add_parser(
        "lapse-temporary-losses", help="lapse temporary losses whose period is over"
    )
    lapse.add_argument(
        "--batch", type=_positive, default=500, help="cards per transaction (default 500)"
    )
    lapse.set_defaults(handler=_lapse_temporary_losses)

    import_ = commands.add_parser(
        "import", help="load a CSV file whole or not at all (docs/import-formats.md)"
    )
    import_.add_argument("kind", choices=("residents", "cards"))
    import_.add_argument("file", type=Path)
    import_.add_argument("--report", type=Path, help="write the problem report here (CSV)")
    import_.add_argument(
        "--max-problems",
        type=_positive,
        default=1000,
        help="stop checking after this many problems (default 1000)",
    )
    import_.set_defaults(handler=_import)

    seed = commands.add_parser("seed", help="build a demo province with residents and cards")
    seed.add_argument("--residents", type=int, default=1000, metavar="N")
    seed.add_argument("--seed", type=int, default=2013, help="population random seed")
    origin = seed.add_mutually_exclusive_group()
    origin.add_argument("--source", default="synthetic", help="population source entry point")
    origin.add_argument(
        "--from-csv", type=Path, metavar="DIR", help="residents.csv and cards.csv already written"
    )
    seed.add_argument(
        "--histories",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="give the residents insurance histories since 1996 (default: yes)",
    )
    seed.set_defaults(handler=_seed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    unsafe = settings.unsafe_secrets()
    if unsafe and not settings.database_url.startswith("sqlite"):
        # Every command keys or checks audit rows (migrations re-key the chain): a real
        # database under the published demo secrets, or an empty one, could be forged.
        print(
            f"cardsvc: {', '.join(unsafe)} hold the demo defaults or are shorter than 32 "
            "characters; set them to the service's long random values (openssl rand -hex 32) "
            "before using a real database",
            file=sys.stderr,
        )
        return 2
    try:
        return int(args.handler(settings, args))
    except OSError as error:  # a file named on the command line: missing, a folder, denied
        print(f"cardsvc: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
