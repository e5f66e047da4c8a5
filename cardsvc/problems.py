"""The one place where errors become RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from cardsvc import errors
from cardsvc.kit.batching import BatchFailedError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# class → HTTP status; the most specific class wins (MRO order).
_STATUS: dict[type[errors.DomainError], int] = {
    errors.NotAuthenticatedError: 401,
    errors.ForbiddenError: 403,
    errors.NotFoundError: 404,
    errors.InvalidDataError: 422,
    errors.ConflictError: 409,
    errors.CardRefusedError: 403,
    errors.TooManyAttemptsError: 429,
}

_HTTP_DETAILS = {
    # FastAPI's answer to a body it cannot read as text (not UTF-8)
    400: "请求内容无法解析，请以UTF-8编码的JSON提交",
    401: "未登录或登录已失效，请重新登录",
    404: "请求的地址不存在",
    405: "不支持该请求方法",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"urn:cardsvc:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    sent = dict(headers or {})
    if status == 401:
        sent["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=sent)


def status_of(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    raise TypeError(f"no HTTP mapping for {type(error).__name__}")


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)  # noqa: S101 - registered for this class only
    response = problem(status_of(exc), exc.code, exc.detail)
    if exc.retryable:
        response.headers["Retry-After"] = str(getattr(exc, "retry_after", 1))
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
    # Where, what kind and the rule, never the offending input (it may be a social
    # security number): pydantic's messages name the rule (a pattern, a bound, the allowed
    # values), and the input is not put in them.
    fields = [_field_problem(err) for err in exc.errors()]
    return problem(422, "invalid_request", "请求数据格式不正确，请检查后重新提交", errors=fields)


# Each kind of refusal as the clerk reads it (pydantic's ``type`` → a Chinese rule, its
# bounds filled from the error's ``ctx``); the service's own rules (``TextRule``…) carry
# their Chinese message already.
_RULES = {
    "missing": "必填",
    "extra_forbidden": "不接受此项",
    "string_type": "须为文字",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "至少{min_length}个字符",
    "string_too_long": "最多{max_length}个字符",
    "too_short": "至少{min_length}项",
    "too_long": "最多{max_length}项",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "decimal_type": "须为数字",
    "decimal_parsing": "须为数字",
    "decimal_max_places": "小数位数过多",
    "bool_type": "须为true或false",
    "bool_parsing": "须为true或false",
    "greater_than": "须大于{gt}",
    "greater_than_equal": "不能小于{ge}",
    "less_than": "须小于{lt}",
    "less_than_equal": "不能大于{le}",
    "enum": "须为下列之一：{expected}",
    "literal_error": "须为下列之一：{expected}",
    "union_tag_invalid": "类别须为下列之一：{expected_tags}",
    "union_tag_not_found": "缺少类别字段",
    "date_type": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "datetime_type": "时间格式不正确",
    "datetime_parsing": "时间格式不正确",
    "dict_type": "须为JSON对象",
    "model_type": "须为JSON对象",
    "model_attributes_type": "须为JSON对象",
    "list_type": "须为列表",
    "json_invalid": "不是有效的JSON",
    "json_type": "不是有效的JSON",
    "value_error": "取值不符合规则",
}


def _rule(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    template = _RULES.get(kind)
    if template is None:  # the service's own rules speak Chinese already
        message = str(err.get("msg", ""))
        return message if not message.isascii() else "不符合规则"
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("：")[0].split("{")[0] or "不符合规则"


def _field_problem(err: Mapping[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {
        "loc": [str(part) for part in err.get("loc", ())],
        "type": err.get("type", ""),
        "msg": _rule(err),
    }
    expected = (err.get("ctx") or {}).get("expected")
    if expected is not None:  # an enum's or a literal's allowed values
        field["allowed"] = str(expected)
    return field


def _too_large(limit: int | None) -> JSONResponse:
    bound = f"（不能超过{limit}字节）" if limit is not None else ""
    return problem(413, "content_too_large", f"请求内容过大{bound}，请精简后重新提交")


class DeclaredBodyLimit:
    """A request whose declared ``Content-Length`` passes ``limit`` is answered a 413
    problem before anything reads it.

    In front of FastAPI's own limit (``max_body_size``), which stays for bodies sent
    without a length (chunked): those raise its 413 as the route reads them, answered as
    a problem by ``_http_error``. A declared excess Starlette's limiter answers itself,
    in plain text: this one answers first.
    """

    def __init__(self, app: ASGIApp, limit: int | None) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limit is not None:
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > self.limit:
                await _too_large(self.limit)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
    if exc.status_code == 413:  # a body sent without a length, past FastAPI's limit
        return _too_large(getattr(request.app, "max_body_size", None))
    detail = _HTTP_DETAILS.get(exc.status_code, "请求无法处理")
    # Starlette's own headers go along (``Allow`` with a 405).
    return problem(exc.status_code, f"http_{exc.status_code}", detail, headers=exc.headers)


async def _stale_data(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(409, "concurrent_change", "该记录已被他人修改，请刷新后重试")


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first; this is the race they cannot see.
    log.info("integrity error mapped to 409: %s", type(getattr(exc, "orig", exc)).__name__)
    return problem(409, "conflict", "数据与现有记录冲突，请刷新后重试")


# PostgreSQL's deadlock, serialisation failure and lock-not-available: the request may
# simply be sent again.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def _retry_later() -> JSONResponse:
    response = problem(503, "service_unavailable", "服务暂时不可用，请稍后重试")
    response.headers["Retry-After"] = "1"
    return response


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        log.warning("a transaction met a concurrent one (SQLSTATE %s); answered 503", sqlstate)
        return _retry_later()
    log.error("unexpected database error", exc_info=exc)  # parameters hidden (kit.database)
    return await _internal_error(request, exc)


async def _batch_failed(_request: Request, exc: Exception) -> JSONResponse:
    # Handled, not re-raised: the window's connection stays open for its retry.
    log.error("a batch failed (%s)", exc, exc_info=exc.__cause__)
    return _retry_later()


async def _internal_error(_request: Request, _exc: Exception) -> JSONResponse:
    # The server logs the exception itself (Starlette re-raises it after this answer).
    return problem(500, "internal_error", "服务暂时出现故障，请稍后重试；如持续出现请联系管理员")


class Problem(BaseModel):
    """An RFC 9457 problem, as every error of the service is answered."""

    type: str = Field(examples=["urn:cardsvc:problem:card_not_found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    code: str = Field(description="Stable, for programs", examples=["card_not_found"])
    detail: str = Field(description="For the clerk (simplified Chinese)")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Invalid request (422): each field's place and rule"
    )


_MEANINGS = {
    400: "请求内容无法解析（须为UTF-8编码的JSON）",
    401: "未登录或登录已失效",
    403: "岗位无权办理，或卡片被拒绝（黑名单、未启用、未登记、与登记信息不符）",
    404: "不存在（或不在管辖范围内）",
    409: "与当前状态或已有记录冲突；幂等键正在使用时可稍后重试",
    413: "请求内容过大",
    422: "请求数据不符合规则（含未声明的查询参数）",
    429: "登录失败次数过多，稍后再试",
    503: "服务暂时不可用，按 Retry-After 稍后重试",
}

# The codes an operation's problem may carry, where programs must tell them apart.
_CODES: dict[tuple[str, str, int], tuple[str, ...]] = {
    ("/identify", "post", 403): (
        "role_not_allowed",
        "card_not_on_record",  # the register knows no card of this number
        "card_mismatch",  # the card's data disagree with the register: a possible forgery
        "card_blacklisted",
        "card_not_activated",
    ),
}


def _body_names_a_row(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    """Whether the operation's JSON body names a row by id (``platform_id``…): a row that
    does not exist (or is out of reach) answers 404 as one in the path does."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "")
    if reference:
        schema = components.get(reference.rsplit("/", 1)[-1], {})
    return any(name.endswith("_id") for name in schema.get("properties", {}))


# Signing in (no token yet): wrong credentials, a window outside the clerk's platform,
# too many attempts.
_SIGN_IN = {
    "/auth/login": [401, 403, 429],
    "/online/login": [401, 429],
    "/online/activate": [401, 429],
}


def _statuses(
    path: str, method: str, operation: dict[str, Any], components: dict[str, Any]
) -> list[int]:
    if path == "/health":
        return []
    statuses = [422, 503]
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path or _body_names_a_row(operation, components):
        statuses.append(404)
    if method in ("post", "put", "patch", "delete"):
        statuses.append(409)
    if "requestBody" in operation:
        statuses += [400, 413]
    statuses += _SIGN_IN.get(path, [])
    if path == "/identify":
        statuses.append(403)
    return sorted(set(statuses))


def _response(path: str, method: str, status: int) -> dict[str, Any]:
    description = _MEANINGS[status]
    codes = _CODES.get((path, method, status))
    if codes:
        description += "; code: " + ", ".join(f"`{code}`" for code in codes)
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (the app's OpenAPI document) with every operation's problem answers
    declared: one shared ``Problem`` schema as ``application/problem+json``."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in _statuses(path, method, operation, components):
                responses[str(status)] = _response(path, method, status)
    return schema


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(BatchFailedError, _batch_failed)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _internal_error)  # anything unexpected: 500
