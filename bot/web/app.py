"""create_app(): the aiohttp application with its routes and security headers."""

from __future__ import annotations

from aiohttp import web

from bot.runtime import Runtime
from bot.web.health import SchedulerState, health_handler

_INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>网站群服务台</title></head>
<body><h1>网站群服务台</h1>
<p>服务运行中。系统状态见 <a href="/healthz">/healthz</a>。</p>
</body></html>"""


@web.middleware
async def security_headers(request: web.Request, handler: web.RequestHandler
                           ) -> web.StreamResponse:
    """Every response gets a CSP and no-sniff; pages are never framed."""
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(runtime: Runtime, scheduler_state: SchedulerState) -> web.Application:
    """The web application for ``runtime``."""
    app = web.Application(middlewares=[security_headers], client_max_size=25 * 1024 * 1024)
    app.router.add_get("/healthz", health_handler(runtime, scheduler_state))
    app.router.add_get("/", _index)
    return app


async def _index(_request: web.Request) -> web.Response:
    return web.Response(text=_INDEX, content_type="text/html", charset="utf-8")
