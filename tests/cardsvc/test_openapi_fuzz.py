"""schemathesis against the served OpenAPI: the document tells the truth.

Every operation gets generated requests from an authenticated clerk (the administrator
for the administrator's operations, a street clerk for the rest), and every answer is
checked against what the document declares for the operation: no 5xx, a declared
status, a declared media type, a body that conforms to the declared schema (the shared
``Problem`` for every error), declared headers. And with no token, no entry.

The operations are walked here with Hypothesis directly, as schemathesis's pytest
plugin does not run under pytest 9. A few examples per operation keep the file under
a minute on two cores.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.cardsvc.conftest import World

PUBLIC_OPERATIONS = {
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("POST", "/online/activate"),
    ("POST", "/online/login"),
}
ADMINISTRATORS_OPERATIONS = {
    ("POST", "/platforms"),
    ("POST", "/platforms/{platform_id}/windows"),
    ("POST", "/clerks"),
    ("PUT", "/service-guide/{item_code}/time-limit"),
}
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
_keys = itertools.count()


def _each_case(
    app: FastAPI,
    check: Callable[[schemathesis.Case], None],
    examples: int,
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> int:
    """Run ``check`` on generated cases of every operation; how many operations had
    cases (an operation that takes nothing has no invalid input to send)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tried = 0
    for operation in operations:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            check(case)

        try:
            run()
        except Unsatisfiable:
            if mode.is_positive:
                raise
            continue
        tried += 1
    return tried


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_conforms_to_the_document(
    app: FastAPI, world: World, mode: GenerationMode
) -> None:
    """Valid requests and invalid ones (refused: a 4xx, never accepted) alike."""
    checks = CONFORMANCE if mode.is_positive else [*CONFORMANCE, negative_data_rejection]

    def check(case: schemathesis.Case) -> None:
        operation = (case.method.upper(), case.operation.path)
        clerk = "admin" if operation in ADMINISTRATORS_OPERATIONS else "street_a"
        headers = {**world.headers(clerk), "Idempotency-Key": f"fuzz-{next(_keys):08d}"}
        case.call_and_validate(headers=headers, checks=checks)

    assert _each_case(app, check, examples=12, mode=mode) >= (18 if mode.is_positive else 14)


def test_no_token_no_entry(app: FastAPI, world: World) -> None:
    def check(case: schemathesis.Case) -> None:
        if case.headers:
            case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
        response = case.call()
        case.validate_response(response, checks=CONFORMANCE)
        if (case.method.upper(), case.path) not in PUBLIC_OPERATIONS:
            assert response.status_code == 401, (case.method, case.path, response.status_code)

    assert _each_case(app, check, examples=1) >= 18
