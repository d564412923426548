"""The HTTP face of `spoc run` (ASGI, Starlette): the platforms' webhooks and a health check.

Each platform's adapter brings its own endpoint (`bot/channels/` alone knows the platform libraries); this
module only mounts them. Routes (DESIGN.md): `POST /slack/events` (Slack's events, commands and button
presses, one URL) and `POST /telegram/webhook`, each from its platform's side in `bot/runner.py`, and
`GET /healthz`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

Endpoint = Callable[[Request], Awaitable[Response]]


def create_web_app(
    *,
    healthy: Callable[[], bool] | None = None,
    routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app. `healthy` is a synchronous check (the database answers), run off the event loop;
    `routes` are further endpoints (another platform's webhook)."""

    async def healthz(request: Request) -> Response:
        ok = True if healthy is None else await asyncio.to_thread(_safely, healthy)
        return JSONResponse({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)

    table: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    table.extend(routes)
    return Starlette(routes=table)


def _safely(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is larger than `limit` bytes (declared or streamed): a
    platform's webhook calls are small, anything much larger is not from the platform."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
