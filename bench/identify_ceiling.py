"""The ceiling for ``bench/identify.py``: a bare Starlette ``POST /identify``.

It reads the request body and answers with fixed bytes (a real identify response the
bench captured first, so the payload has the same size), served exactly as ``cardsvc
serve`` serves the service, through ``cardsvc.serving.serve``: uvicorn, one worker,
uvicorn's defaults (same event loop, HTTP implementation and access log), the collector
frozen after start-up.

    .venv/bin/python bench/identify_ceiling.py --payload-file FILE [--host H] [--port P]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cardsvc.serving import serve


def make_app(payload: bytes) -> Starlette:
    async def identify(request: Request) -> Response:
        await request.body()
        return Response(payload, media_type="application/json")

    return Starlette(routes=[Route("/identify", identify, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payload-file", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    serve(make_app(args.payload_file.read_bytes()), args.host, args.port)


if __name__ == "__main__":
    main()
