"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp

from cardsvc import problems
from cardsvc.audit.service import refusals_recorder
from cardsvc.cards.router import router as cards_router
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.router import router as clerks_router
from cardsvc.deps import refuse_unknown_query
from cardsvc.employers.router import router as employers_router
from cardsvc.employment.router import router as employment_router
from cardsvc.insurance.router import router as insurance_router
from cardsvc.kit.database import Database, make_engine
from cardsvc.kit.uow import Sessions
from cardsvc.labour.router import router as labour_router
from cardsvc.ledgers.router import router as ledgers_router
from cardsvc.online.router import router as online_router
from cardsvc.platforms.router import router as platforms_router
from cardsvc.ratings.router import router as ratings_router
from cardsvc.reports.router import router as reports_router
from cardsvc.residents.router import router as residents_router
from cardsvc.settings import Settings
from cardsvc.summary.router import identify_batcher
from cardsvc.summary.router import router as summary_router
from cardsvc.workflow.router import router as workflow_router

DOCS_ASSETS = "/static-offline-docs"
# The documentation pages may load nothing but the service's own assets: ReDoc's bundle
# would otherwise fetch its logo from a CDN (refused here before any request is sent).
_DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'"
)


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document declares the problems each operation may answer."""
    generate = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _kept_local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _DOCS_POLICY
    return page


def _documentation_pages(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` on fastapi-offline's bundled assets."""

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _kept_local(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _kept_local(
            get_redoc_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )


def _bodies_limited(app: FastAPI) -> None:
    """Declared bodies past the limit answered as problems, outside every other layer:
    inside, Starlette's own limit would answer them first, in plain text."""
    build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return problems.DeclaredBodyLimit(build(), app.max_body_size)

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """What lives as long as the app: the identify batcher; the engine is closed at the end."""
    database: Database = app.state.database
    app.state.identify_batcher = identify_batcher(database, app.state.settings)
    try:
        yield
    finally:
        await database.dispose_async()


def create_app(settings: Settings | None = None, *, sessions: Sessions | None = None) -> FastAPI:
    """The service on ``settings`` (from the environment by default).

    ``sessions`` replaces the engine's own sessions (tests bind them to one connection).
    """
    settings = settings or Settings()
    # Swagger UI and ReDoc from the service itself: a province's intranet reaches no CDN.
    app = FastAPIOffline(
        docs_url=None,
        redoc_url=None,
        static_url=DOCS_ASSETS,
        title="社会保障卡一卡通服务 (cardsvc)",
        version="0.1.0",
        description="Platforms, clerks, residents, cards, blacklist and audit.",
        lifespan=lifespan,
        # Every route's body, bounded before it is read whole (413 past it).
        max_body_size=settings.max_request_bytes,
        # FastAPI's native OpenTelemetry looks for configured providers on every request.
        telemetry={
            "tracing": settings.telemetry,
            "metrics": settings.telemetry,
            "logs": settings.telemetry,
        },
    )
    app.state.settings = settings
    app.state.database = Database(
        make_engine(settings.database_url),
        sessions=sessions,
        after_rollback=refusals_recorder(settings.audit_secret.get_secret_value().encode()),
    )
    app.state.passwords = Passwords(settings)
    problems.install(app)
    _bodies_limited(app)
    _document_problems(app)

    _documentation_pages(app)

    @app.get("/health", tags=["health"], dependencies=[Depends(refuse_unknown_query)])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # Routes are matched in order: identify's first (every window's first call; each route
    # passed costs a match, bench/RESULTS.md).
    for router in (
        summary_router,  # identify first
        cards_router,
        clerks_router,
        platforms_router,
        residents_router,
        workflow_router,
        employment_router,
        labour_router,
        ratings_router,
        reports_router,
        ledgers_router,
        online_router,
        employers_router,
        insurance_router,
    ):
        app.include_router(router)
    return app
