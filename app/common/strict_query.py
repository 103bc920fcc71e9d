"""Unknown query parameters answer 422 on every operation.

A misspelt or unsupported parameter (`cursor=` where an operation pages with another name,
`staus=open`) used to be ignored, so a caller got a silently different answer (a poller looped
over page 1 forever). The allowed names are the operation's documented query parameters, read
from the OpenAPI document, so every route gets the check without declaring anything: /v1
routes after authentication (app.common.deps._principal: a caller without a valid key learns
nothing from it), the others through the app-wide STRICT_QUERY dependency.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def _documented_query(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    cached = getattr(app.state, "documented_query", None)
    if cached is None:
        cached = {}
        for path, operations in app.openapi().get("paths", {}).items():
            for method, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                names = {p["name"] for p in operation.get("parameters", [])
                         if p.get("in") == "query"}
                cached[(path, method.upper())] = frozenset(names)
        app.state.documented_query = cached
    return cached


async def reject_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    method = "GET" if request.method == "HEAD" else request.method
    allowed = _documented_query(request.app).get((route.path_format, method))
    if allowed is None:
        return
    unknown = sorted({name for name in request.query_params if name not in allowed})
    if unknown:
        accepted = ", ".join(sorted(allowed)) or "none"
        raise RequestValidationError([
            {"type": "extra_forbidden", "loc": ("query", name),
             "msg": f"unknown query parameter (this operation accepts: {accepted})",
             "input": request.query_params.get(name), "ctx": {"accepted": accepted}}
            for name in unknown
        ])


async def _outside_v1(request: Request) -> None:
    # /v1 routes all authenticate; _principal runs the check once the key is verified.
    if not request.url.path.startswith("/v1/"):
        await reject_unknown_query(request)


# For FastAPI(dependencies=...): routes added later by anyone get the check with no change.
STRICT_QUERY = Depends(_outside_v1)
