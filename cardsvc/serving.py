"""How ``cardsvc serve`` runs the app: uvicorn, N workers, the collector set for a server.

Everything built at start-up (the app, its routes and schemas, SQLAlchemy's mappers,
pydantic's validators) lives as long as the process. Left in the collector's
generations, it is traversed again by every full collection, and a busy service
triggers those often: a hundred windows' requests in flight keep their objects alive
past the young generations. ``gc.freeze()`` moves what exists at start-up out of the
collector's way; what requests create is collected as before. On identify at a hundred
concurrent windows this was worth about a third of the throughput (bench/RESULTS.md).

Each worker is a process of its own that builds its app with ``worker_app`` (settings
from the environment); the workers share nothing but the database.
"""

from __future__ import annotations

import gc
import logging

import uvicorn
from fastapi import FastAPI

from cardsvc.app import create_app


class QueryStringsHidden(logging.Filter):
    """uvicorn's access log lines with the path alone, never the query string: a clerk's
    lookup carries a social security number or a name there (``GET /residents?…``),
    and logs never hold them in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs (client, method, path with query, HTTP version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def hide_query_strings() -> None:
    """Keep query strings out of this process's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringsHidden) for f in access.filters):
        access.addFilter(QueryStringsHidden())


def worker_app() -> FastAPI:
    """One worker's app, its start-up heap frozen out of the collector; its access log
    without query strings."""
    hide_query_strings()
    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def serve(
    host: str, port: int, *, workers: int = 1, trusted_proxies: str = "", log_level: str = "info"
) -> None:
    """Serve the app at ``host:port`` with ``workers`` processes until interrupted.

    A client's address (login limits, audit) is the connection's peer, unless the peer is
    one of ``trusted_proxies`` (comma-separated addresses or networks): then it is the one
    that proxy puts in ``X-Forwarded-For``. None is trusted by default, not even
    127.0.0.1 (uvicorn's default), so that a client cannot name its own address.
    """
    uvicorn.run(
        "cardsvc.serving:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        log_level=log_level,
    )
