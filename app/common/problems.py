"""RFC 9457 problem details: the one error shape every caller sees."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from app.common.i18n import LANGUAGE, ZH, detail_for, field_error_zh, title_for

PROBLEM_JSON = "application/problem+json"


def language_headers() -> dict[str, str]:
    """Problems vary by Accept-Language; say which language this one is in."""
    return {"Content-Language": LANGUAGE.get(), "Vary": "Accept-Language"}
log = structlog.get_logger("gigmarket.errors")


class Problem(Exception):
    """Raised by services and dependencies; rendered as application/problem+json."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        detail_zh: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh  # for Accept-Language: zh-CN (app.common.i18n)
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.errors = errors
        self.headers = headers
        self.extra = extra


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class Unprocessable(Problem):
    status, slug, title = 422, "validation-error", "Validation failed"


def field_error(pointer: str, detail: str) -> Unprocessable:
    """A 422 about one body field, named by JSON pointer (e.g. /wage/amount)."""
    return Unprocessable(f"{pointer}: {detail}", errors=[{"pointer": pointer, "detail": detail}])


def problem_body(
    status: int, title: str, detail: str, slug: str, instance: str | None = None,
    detail_zh: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The problem document, in the request's language (titles by slug, app.common.i18n)."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title_for(slug, title),
        "status": status,
        "detail": detail_for(slug, detail, detail_zh),
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


# The answer while the database is away, from FastAPI's handlers and from raw middleware alike:
# not the caller's fault, retry after a short pause.
DATABASE_UNAVAILABLE: dict[str, Any] = {
    "status": 503, "title": "Service unavailable",
    "detail": "the database is unavailable; retry shortly", "slug": "database-unavailable",
    "headers": {"Retry-After": "2"},
}


def problem_response(
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, title, detail, slug, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), **language_headers()},
    )


def _pointer(loc: tuple[Any, ...]) -> dict[str, str]:
    """Body errors get a JSON pointer; query/path/header errors name the parameter."""
    where, *rest = loc if loc else ("body",)
    if where == "body":
        parts = [str(p).replace("~", "~0").replace("/", "~1") for p in rest]
        return {"pointer": "/" + "/".join(parts) if parts else ""}
    return {"parameter": ".".join(str(p) for p in rest) or str(where), "in": str(where)}


def _clean_message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    # Pydantic prefixes custom ValueErrors; the caller needs only the reason.
    return msg.removeprefix("Value error, ")


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    zh = LANGUAGE.get() == ZH
    out = []
    for err in exc.errors():
        item = _pointer(tuple(err.get("loc", ())))
        if err.get("type") == "json_invalid":
            item = {"pointer": ""}
            item["detail"] = "request body is not valid JSON"
        else:
            item["detail"] = _clean_message(err)
        if zh:
            item["detail"] = field_error_zh(err, item["detail"])
        out.append(item)
    return out


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for this path (Starlette names only one route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            exc.slug,
            headers=exc.headers,
            instance=request.url.path,
            errors=exc.errors,
            detail_zh=exc.detail_zh,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        first = errors[0] if errors else {"detail": "invalid request"}
        where = first.get("pointer") or first.get("parameter") or "body"
        more = len(errors) - 1
        return problem_response(
            422,
            "Validation failed",
            f"{where}: {first['detail']}" + (f" (+{more} more)" if more else ""),
            "validation-error",
            instance=request.url.path,
            errors=errors,
            detail_zh=f"{where}：{first['detail']}" + (f"（另有 {more} 处）" if more else ""),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 405:
            # Starlette names only the first route that matched the path; list them all.
            exc.headers = {"Allow": ", ".join(allowed_methods(request))}
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return problem_response(
            status,
            phrase,
            detail,
            phrase.lower().replace(" ", "-"),
            headers=getattr(exc, "headers", None),
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
        return problem_response(
            500,
            "Internal server error",
            "The server could not complete the request; it has been logged.",
            "internal-error",
            instance=request.url.path,
        )
