"""The FastAPI application factory."""

from __future__ import annotations

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp

from cardsvc import problems
from cardsvc.cards import identify_router
from cardsvc.cards.router import router as cards_router
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.router import router as clerks_router
from cardsvc.db import POOL_SIZE, make_engine, make_session_factory
from cardsvc.platforms.router import router as platforms_router
from cardsvc.residents.router import router as residents_router
from cardsvc.settings import Settings


class CardService(FastAPI):
    """The service's app: FastAPI, with identify served ahead of FastAPI's own layers."""

    def build_middleware_stack(self) -> ASGIApp:
        return identify_router.ahead(self, super().build_middleware_stack())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = CardService(
        title="社会保障卡一卡通服务 (cardsvc)",
        version="0.1.0",
        description="Platforms, clerks, residents, cards, blacklist and audit.",
        # FastAPI's native OpenTelemetry looks for configured providers on every request.
        telemetry={
            "tracing": settings.telemetry,
            "metrics": settings.telemetry,
            "logs": settings.telemetry,
        },
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.database_slots = anyio.Semaphore(POOL_SIZE)
    app.state.passwords = Passwords(settings)
    problems.install(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for router in (
        identify_router.router,
        clerks_router,
        platforms_router,
        residents_router,
        cards_router,
    ):
        app.include_router(router)
    return app
