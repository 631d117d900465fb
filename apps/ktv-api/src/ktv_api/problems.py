"""The one place where errors become HTTP: RFC 9457 problem details.

Domain errors map to the status codes of docs/api.md; Litestar's own
exceptions (bad JSON, failed body validation, unknown routes) are reshaped
into the same problem body; anything else is a logged 500 whose body holds
no detail of the failure.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import ParameterKwarg
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.utils.scope.state import ScopeState

from ktv_domain import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidCursor,
    MediaSourceError,
    MediaSourceUnavailable,
    NotFound,
    OidcUnavailable,
    ValidationError,
)
from ktv_streaming import SessionLimitReached, StreamingError

from .strict import malformed_path_parameter

__all__ = ["INVALID_CURSOR_TYPE", "PROBLEM_JSON", "FieldProblem", "Problem", "RateLimited",
           "describe_problem", "exception_handlers", "problem_response", "problem_responses",
           "title_for"]

PROBLEM_JSON = "application/problem+json"
_log = structlog.get_logger("ktv.errors")

_TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 410: "Gone",
    405: "Method not allowed", 409: "Conflict", 413: "Payload too large",
    415: "Unsupported media type", 422: "Validation failed", 429: "Too many requests",
    500: "Internal server error", 503: "Service unavailable",
}


def title_for(status: int) -> str:
    """The problem ``title`` of an HTTP status."""
    return _TITLES.get(status, "Error")


class FieldProblem(msgspec.Struct):
    field: str
    message: str


#: The problem ``type`` of a page cursor this server did not issue (start over without it).
INVALID_CURSOR_TYPE = "urn:ktv:problem:invalid-cursor"


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem body. ``type`` is ``about:blank`` (the status says it all) except
    for ``urn:ktv:problem:invalid-cursor``; ``errors`` names the offending fields."""

    title: str
    status: int
    detail: str
    type: str = "about:blank"
    errors: list[FieldProblem] = msgspec.field(default_factory=list)


_DESCRIPTIONS = {
    400: "Malformed JSON, query or path parameter",
    401: "Missing, invalid or expired bearer token (with `WWW-Authenticate: Bearer`)",
    403: "Not allowed on this server (e.g. registration is closed)",
    404: "No such resource for this caller (another user's channel is a 404 too)",
    409: "Conflicts with the current state (e.g. a duplicate email or channel number)",
    410: "No longer available: aired before the channel's catch-up window, or its item "
         "left the library (the detail says which)",
    413: "The request body is larger than 1 MiB",
    422: "Well-formed but invalid; `errors` names the fields",
    429: "Too many attempts; wait for `Retry-After` seconds",
    503: "The media source is not configured or unavailable; the detail says which",
}


def describe_problem(status: int) -> str:
    """What a problem response with ``status`` means, for the OpenAPI document."""
    return _DESCRIPTIONS.get(status, title_for(status))


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI declarations of the problem responses a route can answer with."""
    return {status: ResponseSpec(Problem, media_type=PROBLEM_JSON, generate_examples=False,
                                 description=describe_problem(status))
            for status in statuses}


class RateLimited(Exception):
    """Too many attempts from one client; ``retry_after`` in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many attempts, try again later")
        self.retry_after = retry_after


def problem_response(status: int, detail: str, *, errors: list[FieldProblem] | None = None,
                     headers: dict[str, str] | None = None,
                     type: str = "about:blank") -> Response[Problem]:
    body = Problem(title=_TITLES.get(status, "Error"), status=status, detail=detail,
                   errors=errors or [], type=type)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="k-tv"'}


def _domain(_: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    if isinstance(exc, ValidationError):
        errors = [FieldProblem(e.field, e.message) for e in exc.errors]
        if isinstance(exc, InvalidCursor):
            return problem_response(HTTP_422_UNPROCESSABLE_ENTITY, "the cursor is not valid: "
                                    "list again from the first page", errors=errors,
                                    type=INVALID_CURSOR_TYPE)
        return problem_response(HTTP_422_UNPROCESSABLE_ENTITY, "the request is invalid",
                                errors=errors)
    if isinstance(exc, AuthenticationFailed):
        return problem_response(HTTP_401_UNAUTHORIZED, exc.message, headers=_UNAUTHORIZED)
    status = (HTTP_404_NOT_FOUND if isinstance(exc, NotFound)
              else HTTP_410_GONE if isinstance(exc, Gone)
              else HTTP_409_CONFLICT if isinstance(exc, Conflict)
              else HTTP_403_FORBIDDEN if isinstance(exc, Forbidden)
              else HTTP_503_SERVICE_UNAVAILABLE
              if isinstance(exc, MediaSourceError | OidcUnavailable)
              else HTTP_400_BAD_REQUEST)
    # Retrying helps when a source is down, not when it is missing or refuses us.
    retry = isinstance(exc, MediaSourceUnavailable | OidcUnavailable)
    headers = {"Retry-After": "30"} if retry else None
    return problem_response(status, exc.message, headers=headers)


def _rate_limited(_: Request[Any, Any, Any], exc: RateLimited) -> Response[Problem]:
    return problem_response(HTTP_429_TOO_MANY_REQUESTS, str(exc),
                            headers={"Retry-After": str(exc.retry_after)})


_AT = re.compile(r" - at `\$\.?([^`]*)`$")
#: msgspec names the offending field in the message, not in the path.
_NAMED = re.compile(r"^Object (?:contains unknown|missing required) field `([^`]*)`")


_FRIENDLY = [
    (re.compile(r"^Expected `str` matching regex .*$", re.S),
     "has the wrong form (see its pattern and description in the API document)"),
    (re.compile(r"^Expected `str` of length >= (\d+)$"), r"must be at least \1 characters"),
    (re.compile(r"^Expected `str` of length <= (\d+)$"), r"must be at most \1 characters"),
    (re.compile(r"^Expected `array` of length >= (\d+)$"), r"must list at least \1 items"),
    (re.compile(r"^Expected `array` of length <= (\d+)$"), r"must list at most \1 items"),
    (re.compile(r"^Expected `(int|float)` (>=|<=|>|<) (\S+)$"), r"must be \2 \3"),
    (re.compile(r"^Expected `int` that's a multiple of (\S+)$"), r"must be a multiple of \1"),
]


def _friendly(message: str) -> str:
    """msgspec's wording of a broken rule, in words a form can show."""
    for pattern, replacement in _FRIENDLY:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def _parameter_name(request: Request[Any, Any, Any], key: str) -> str:
    """The name a client uses for a parameter (``from``), not the Python one (``start``)."""
    handler = request.scope.get("route_handler")
    signature = getattr(handler, "parsed_fn_signature", None)
    param = signature.parameters.get(key) if signature is not None else None
    kwarg = param.kwarg_definition if param is not None else None
    if isinstance(kwarg, ParameterKwarg):
        return kwarg.name or kwarg.query or kwarg.header or kwarg.cookie or key
    return key


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    body_errors = [e for e in extra if isinstance(e, dict) and e.get("source") == "body"]
    if not body_errors:
        # Malformed JSON or a malformed path/query parameter.
        errors = [FieldProblem(_parameter_name(request, str(e.get("key", ""))),
                               str(e.get("message", "")))
                  for e in extra if isinstance(e, dict)]
        detail = exc.detail if "malformed" in exc.detail.lower() else "malformed request"
        return problem_response(HTTP_400_BAD_REQUEST, detail, errors=errors)
    if ScopeState.from_scope(request.scope).body == b"":
        return problem_response(HTTP_400_BAD_REQUEST, "the request body is empty: expected JSON")
    errors = []
    for e in body_errors:
        message = str(e.get("message", ""))
        match = _AT.search(message)
        path = match.group(1) if match else ("" if e.get("key") == "data" else str(e["key"]))
        named = _NAMED.match(message)
        if named:
            path = f"{path}.{named.group(1)}" if path else named.group(1)
        errors.append(FieldProblem(path, _friendly(_AT.sub("", message))))
    return problem_response(HTTP_422_UNPROCESSABLE_ENTITY, "the request body is invalid",
                            errors=errors)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if status == HTTP_404_NOT_FOUND and isinstance(exc.__cause__, ValueError):
        # The router matched a route's fixed segments but could not parse a typed path
        # parameter (a malformed UUID): name it, like any malformed parameter.
        found = malformed_path_parameter(request.app.routes, request.scope["path"])
        if found is not None:
            return problem_response(HTTP_400_BAD_REQUEST, "malformed request",
                                    errors=[FieldProblem(*found)])
    headers = dict(exc.headers or {})
    if status == HTTP_401_UNAUTHORIZED:
        headers.update(_UNAUTHORIZED)
    detail = exc.detail if status < 500 else _TITLES.get(status, "error")
    return problem_response(status, detail, headers=headers or None)


def _streams_full(_: Request[Any, Any, Any], exc: SessionLimitReached) -> Response[Problem]:
    return problem_response(HTTP_503_SERVICE_UNAVAILABLE, exc.message,
                            headers={"Retry-After": str(exc.retry_after)})


def _streaming(_: Request[Any, Any, Any], exc: StreamingError) -> Response[Problem]:
    """ffmpeg could not make what was asked (a segment, the first seconds of a stream)."""
    _log.warning("streaming failed", reason=exc.message)
    return problem_response(HTTP_503_SERVICE_UNAVAILABLE, exc.message,
                            headers={"Retry-After": "5"})


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    _log.exception("unhandled error", path=request.url.path, error_type=type(exc).__name__)
    return problem_response(HTTP_500_INTERNAL_SERVER_ERROR,
                            "something went wrong on our side; it has been logged")


exception_handlers: dict[type[Exception] | int, Any] = {
    DomainError: _domain,
    RateLimited: _rate_limited,
    SessionLimitReached: _streams_full,
    StreamingError: _streaming,
    ValidationException: _validation,
    HTTPException: _http,
    404: _http,
    405: _http,
    Exception: _internal,
}

