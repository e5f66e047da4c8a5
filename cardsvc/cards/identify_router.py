"""``POST /identify``: the hot path of every window, served in batches.

Every window of the province identifies the card a resident presents before anything
else (bench/identify.py). The endpoint resolves nothing through FastAPI's dependency
system; what needs the database goes through the app's identify ``Batcher``, which
serves the identifies that arrive together in one transaction (see ``cardsvc.batching``
and ``cardsvc.cooperative``). ``ahead`` puts it ahead of FastAPI's own layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cardsvc import cooperative
from cardsvc.audit.service import AuditBatch
from cardsvc.batching import Batcher
from cardsvc.cards import service
from cardsvc.cards.schemas import IdentifyRequest, IdentifyResponse
from cardsvc.clerks.service import resolve_actors
from cardsvc.clerks.tokens import TokenClaims, read_token, session_expired
from cardsvc.db import utcnow
from cardsvc.deps import bearer_token, parse_body
from cardsvc.errors import DomainError
from cardsvc.problems import status_and_code
from cardsvc.settings import Settings

router = APIRouter(tags=["cards"])

# The body schema and the bearer requirement are declared here for the OpenAPI document,
# since they are read by hand; the response is documented by ``response_model`` and
# returned as bytes, so FastAPI neither validates nor re-serialises it.
_IDENTIFY_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": IdentifyRequest.model_json_schema()}},
    },
    "security": [{"HTTPBearer": []}],
}
# Large enough that a batch serves every window of a busy city at once; small enough
# that its statements and its audit insert stay ordinary in size.
IDENTIFY_BATCH_SIZE = 128


@dataclass(frozen=True)
class _Presented:
    """One identify request: its token's claims, and its body or why the body is invalid."""

    claims: TokenClaims
    body: IdentifyRequest | RequestValidationError


@router.post("/identify", response_model=IdentifyResponse, openapi_extra=_IDENTIFY_OPENAPI)
async def identify(request: Request) -> Response:
    """The resident summary for what a terminal read off a card (audited).

    The same rules as every other route, in the same order: a bearer token (401), its
    signature, expiry, clerk and window, all active (401), the body (422), the role and
    the card (403), the audit row in the request's transaction, and a refusal audited
    although nothing else is written for it.
    """
    state = request.app.state
    settings: Settings = state.settings
    token = bearer_token(request.headers.get("authorization"))
    claims = read_token(settings.token_secret.get_secret_value().encode(), token, utcnow())
    body: IdentifyRequest | RequestValidationError
    try:
        body = parse_body(IdentifyRequest, await request.body())
    except RequestValidationError as invalid:  # reported after the clerk is checked
        body = invalid
    content = await identify_batcher(state).submit(_Presented(claims, body))
    return Response(content, media_type="application/json")


def ahead(app: FastAPI, rest: ASGIApp) -> ASGIApp:
    """``app``'s ASGI callable: identify straight to its endpoint, the rest to ``rest``.

    ``rest`` is FastAPI's middleware stack. Identify, which needs none of its own layers
    (dependency exit stacks, body limits, telemetry hooks, route lookup among every
    route: about 9 µs a request), passes only through what a bare Starlette app has:
    the error middleware with the app's handlers (problem JSON, 500 for the unexpected)
    and the app's own middleware, in FastAPI's order. The ``APIRoute`` stays in the
    router, never reached, to document identify in OpenAPI.
    """
    error_handler, handlers = None, {}
    for key, handler in app.exception_handlers.items():  # split as FastAPI splits them
        if key in (500, Exception):
            error_handler = handler
        else:
            handlers[key] = handler
    route = Route("/identify", identify, methods=["POST"])
    endpoint: ASGIApp = ExceptionMiddleware(route, handlers=handlers, debug=app.debug)
    for middleware in reversed(app.user_middleware):
        endpoint = middleware.cls(endpoint, *middleware.args, **middleware.kwargs)
    endpoint = ServerErrorMiddleware(endpoint, handler=error_handler, debug=app.debug)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and route.matches(scope)[0] is not Match.NONE:
            await endpoint(scope, receive, send)  # a wrong method: 405 from the route
        else:
            await rest(scope, receive, send)

    return dispatch


def identify_batcher(state: Any) -> Batcher[_Presented, bytes]:
    """The app's identify batcher (made on first use)."""
    batcher: Batcher[_Presented, bytes] | None = getattr(state, "identify_batcher", None)
    if batcher is None:

        async def run(batch: list[_Presented]) -> list[bytes | Exception]:
            async with state.database_slots:  # as ``database_slot``: one connection
                return await cooperative.run(
                    state.engine, _identify_batch, state.session_factory, state.settings, batch
                )

        batcher = state.identify_batcher = Batcher(
            run,
            max_size=IDENTIFY_BATCH_SIZE,
            in_flight=state.settings.identify_batches_in_flight,
        )
    return batcher


def _identify_batch(
    factory: Callable[[], Session], settings: Settings, batch: list[_Presented]
) -> list[bytes | Exception]:
    """One transaction for a batch of identify requests (run by ``cardsvc.cooperative``).

    The outcome of each request is its answer's bytes or the exception to raise for it;
    the refusals are audited with the reads, in the same commit. An error of the batch
    itself rolls everything back and reaches every request of the batch.
    """
    now = utcnow()
    with factory() as session:
        audit = AuditBatch(session, settings.audit_secret.get_secret_value().encode())
        actors = resolve_actors(session, {presented.claims for presented in batch})
        outcomes: dict[int, bytes | Exception] = {}
        presentations: dict[int, service.Presentation] = {}
        for index, presented in enumerate(batch):
            actor = actors.get(presented.claims)
            if actor is None:
                outcomes[index] = session_expired()
            elif isinstance(presented.body, RequestValidationError):
                outcomes[index] = presented.body
            else:
                presentations[index] = service.Presentation(actor, presented.body)
        answers = service.identify(session, audit, settings, list(presentations.values()), now)
        for index, answer in zip(presentations, answers, strict=True):
            if isinstance(answer, DomainError):
                if answer.refusal is not None:
                    audit.refused(answer.refusal, status_and_code(answer)[1])
                outcomes[index] = answer
            else:
                outcomes[index] = answer.model_dump_json().encode()
        audit.write()
        session.commit()
    return [outcomes[index] for index in range(len(batch))]
