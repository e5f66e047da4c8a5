"""``cardsvc``: serve the API, migrate the database, verify the audit trail."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cardsvc.settings import Settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from cardsvc.app import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port, workers=1)
    return 0


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from cardsvc.migrations import upgrade

    if settings.database_url.startswith("sqlite:///./var/"):
        import pathlib

        pathlib.Path("var").mkdir(exist_ok=True)
    upgrade(settings.database_url)
    return 0


def _audit_verify(settings: Settings, _args: argparse.Namespace) -> int:
    from cardsvc.audit.service import verify_chain
    from cardsvc.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            breaks = list(verify_chain(session))
    finally:
        engine.dispose()
    for item in breaks:
        print(f"audit row {item.seq}: {item.reason}")
    if breaks:
        print(f"audit trail broken: {len(breaks)} problem(s)", file=sys.stderr)
        return 1
    print("audit trail intact")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cardsvc", description="The one-card service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API (uvicorn, one worker)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(handler=_migrate)
    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="check the hash chain; exit 1 if broken")
    verify.set_defaults(handler=_audit_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(Settings(), args))


if __name__ == "__main__":
    sys.exit(main())
