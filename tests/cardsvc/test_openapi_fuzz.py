"""schemathesis against the served OpenAPI: no 5xx anywhere; no token, no entry.

Each operation of the schema gets a few generated requests (the full suite must stay
fast): as a clerk at street A, and with no token. The operations are walked here with
Hypothesis directly, as schemathesis's pytest plugin does not run under pytest 9.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from tests.cardsvc.conftest import World

PUBLIC_OPERATIONS = {("GET", "/health"), ("POST", "/auth/login")}
_keys = itertools.count()


def _each_case(app: FastAPI, check: Callable[[schemathesis.Case], None], examples: int) -> int:
    """Run ``check`` on generated cases of every operation; how many operations."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            check(case)

        run()
    return len(operations)


def test_no_server_errors(app: FastAPI, world: World) -> None:
    def check(case: schemathesis.Case) -> None:
        headers = {**world.headers("street_a"), "Idempotency-Key": f"fuzz-{next(_keys):08d}"}
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])

    assert _each_case(app, check, examples=3) >= 18


def test_no_token_no_entry(app: FastAPI, world: World) -> None:
    def check(case: schemathesis.Case) -> None:
        if case.headers:
            case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
        response = case.call()
        if (case.method.upper(), case.path) not in PUBLIC_OPERATIONS:
            assert response.status_code == 401, (case.method, case.path, response.status_code)

    assert _each_case(app, check, examples=1) >= 18
