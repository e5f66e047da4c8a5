"""Request dependencies: the unit of work, the settings, the authenticated clerk."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor
from cardsvc.clerks.service import resolve_actor
from cardsvc.clerks.tokens import TokenClaims, read_token
from cardsvc.errors import NotAuthenticatedError
from cardsvc.ids import MAX_ROW_ID
from cardsvc.kit.database import Database
from cardsvc.kit.pagination import Page, PageRequest, Slice, query_with
from cardsvc.kit.text import TextRule
from cardsvc.kit.types import utcnow
from cardsvc.settings import Settings


# Dependencies that do no I/O are ``async``: FastAPI runs a sync dependency in a worker
# thread, and each such hop costs more than the dependency itself.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def database_admission(database: DatabaseDep) -> AsyncIterator[None]:
    """Hold the request until a pooled connection is free for it (``Database.admission``)."""
    async with database.admission():
        yield


def get_session(
    _admitted: Annotated[None, Depends(database_admission, scope="function")],
    database: DatabaseDep,
) -> Iterator[Session]:
    """The request's unit of work (``cardsvc.kit.uow``)."""
    with database.unit_of_work() as session:
        yield session


# ``scope="function"``: the unit of work commits when the endpoint returns, before the
# response is sent. FastAPI's default ends a ``yield`` dependency after the response:
# a clerk could be told 201 for a change whose commit then failed, and a client's next
# request could arrive before the commit and not find what it had just created.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class ClerkToken(HTTPBearer):
    """The claims of the request's genuine, unexpired bearer token (401 otherwise), for
    a query the operation declares (422 otherwise: ``check_query``).

    FastAPI's ``HTTPBearer`` (which documents the scheme in OpenAPI) that also checks the
    token: one dependency where every route, identify included, needs both. The query
    is checked here too, after the token: as a dependency of its own it added ~20 µs to
    every request in process (a FastAPI route, 90 → 116 µs; identify's ~1 ms under
    load), here it costs identify one dictionary lookup.
    """

    async def __call__(self, request: Request) -> TokenClaims:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise NotAuthenticatedError("请先登录", code="missing_token")
        settings: Settings = request.app.state.settings
        secret = settings.token_secret.get_secret_value().encode()
        claims = read_token(secret, credentials.credentials, utcnow())
        check_query(request)
        return claims


current_claims = ClerkToken(auto_error=False, description="Token from POST /auth/login")
ClaimsDep = Annotated[TokenClaims, Depends(current_claims)]


def current_actor(session: SessionDep, claims: ClaimsDep) -> Actor:
    """The clerk of the token at its window, both still active (401 otherwise)."""
    return resolve_actor(session, claims)


ActorDep = Annotated[Actor, Depends(current_actor)]


async def get_audit_trail(
    session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> AuditTrail:
    return AuditTrail(session, actor, settings.audit_secret.get_secret_value().encode())


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]


def _digits_only(value: object) -> object:
    """Refuse what lax integer parsing would take ("1\n", " 1", "１"): digits only."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("a row id is written with the digits 0-9 only")
    return value


# A row id in a path: a larger number can name no row (and PostgreSQL would refuse to
# compare it with an INTEGER column), so it is refused as invalid input instead.
PathRowId = Annotated[
    int, BeforeValidator(_digits_only), Path(ge=1, le=MAX_ROW_ID, description="A row id")
]

# Every read of a resident's data says why (audited).
Purpose = Annotated[
    Annotated[str, TextRule(100, min_length=2, gbk=True)],
    Query(description="Why the clerk reads this record (audited), e.g. 窗口业务办理"),
]


# ---------------------------------------------------------------- lists and queries

T = TypeVar("T")

# A page of any list: 50 rows unless asked otherwise, 500 at most.
DEFAULT_PAGE = 50
MAX_PAGE = 500


def next_link(request: Request, response: Response, **changes: object) -> str:
    """The URL of this request with ``changes`` to its query (path and query: the
    service does not trust a Host header to name itself), also sent as the response's
    ``Link: <…>; rel="next"`` (RFC 8288)."""
    link = f"{request.url.path}?{query_with(request.query_params.multi_items(), **changes)}"
    response.headers["Link"] = f'<{link}>; rel="next"'
    return link


class Paging:
    """The page a list route is asked for (``limit``, ``offset``), and its answer."""

    def __init__(self, request: Request, response: Response, limit: int, offset: int) -> None:
        self._request = request
        self._response = response
        self.request = PageRequest(limit, offset)

    def page(self, found: Slice[T]) -> Page[T]:
        """``found`` with its total and the link to the next page."""
        following = None
        if found.more:
            offset = self.request.offset + self.request.limit
            following = next_link(self._request, self._response, offset=offset)
        return Page[T](
            items=list(found.items),
            total=found.total,
            total_exact=found.total_exact,
            next=following,
        )


async def paging(
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page")] = DEFAULT_PAGE,
    offset: Annotated[
        int, Query(ge=0, le=MAX_ROW_ID, description="Rows to skip (follow `next` instead)")
    ] = 0,
) -> Paging:
    return Paging(request, response, limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


def _declared_query(request: Request) -> frozenset[str] | None:
    """The query parameters the OpenAPI document declares for the request's operation
    (None: a route outside the document, such as the documentation pages)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return None
    declared: dict[tuple[str, str], frozenset[str]] | None = getattr(
        request.app.state, "declared_query", None
    )
    if declared is None:
        declared = {}
        for path, operations in request.app.openapi().get("paths", {}).items():
            for method, operation in operations.items():
                declared[(path, method.upper())] = frozenset(
                    parameter["name"]
                    for parameter in operation.get("parameters", ())
                    if parameter.get("in") == "query"
                )
        request.app.state.declared_query = declared
    return declared.get((route.path_format, request.method))


_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,39}")


def _shown(name: str) -> str:
    """A parameter's name as a problem may repeat it: anything but a plain identifier
    (a number, a name in Chinese: possibly personal data) is not repeated."""
    return name if _PARAMETER_NAME.fullmatch(name) else "(not shown)"


def check_query(request: Request) -> None:
    """A query parameter the operation does not declare is refused (422 naming the
    ones it takes), never ignored: a filter mistyped or not supported would otherwise
    answer the whole list as if it had been applied.

    Every route checks it: those that need a clerk through ``ClerkToken``, the public
    ones through the ``refuse_unknown_query`` dependency.
    """
    if not request.scope.get("query_string"):
        return
    allowed = _declared_query(request)
    if allowed is None:
        return
    unknown = sorted({_shown(name) for name in request.query_params if name not in allowed})
    if unknown:
        names = ", ".join(f"'{name}'" for name in sorted(allowed)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "type": "extra_forbidden",
                    "msg": "Unknown query parameter",
                    "ctx": {"expected": names},
                }
                for name in unknown
            ]
        )


async def refuse_unknown_query(request: Request) -> None:
    """``check_query`` as a dependency, for the routes that need no clerk."""
    check_query(request)


_KEY = Header(
    alias="Idempotency-Key",
    pattern=r"^[\x21-\x7e]{8,100}$",
    description="Unique per intended change; a retry with the same key gets the first answer",
)
IdempotencyKey = Annotated[str, _KEY]
# Where a terminal should send one, and a request without one is still taken.
OptionalIdempotencyKey = Annotated[str | None, _KEY]
