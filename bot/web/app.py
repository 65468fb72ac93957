"""create_app(): the aiohttp application, its middlewares (errors, security, sessions) and routes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.domain.errors import DeskError, IllegalTransitionError, InvalidInputError, UnknownIncidentError
from bot.domain.staff import PermissionDeniedError
from bot.runtime import Runtime
from bot.web import api, auth, console, console_tools, knowledge_pages, public, quarantine
from bot.web.context import CTX, build_context, ctx_of, render, setup_filters
from bot.web.health import SchedulerState, health_handler
from bot.web.security import (
    CSRF_FIELD, CSRF_HEADER, apply_security_headers, csrf_valid, set_csrf_cookie,
)

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = WEB_ROOT / "templates" / "web"
STATIC = WEB_ROOT / "static"

# Handlers that check the CSRF token themselves, to re-render the form with what was typed.
_SELF_CHECKED = frozenset({"/baoxiu", "/console/phone", "/login"})
_SELF_CHECKED_PREFIX = "/console/kb/articles/"  # the article form keeps what was typed

_HTTP_MESSAGES = {
    400: "请求格式不正确。", 403: "没有权限访问此页面。", 404: "页面不存在，请检查链接是否完整。",
    405: "不支持此操作。", 413: "上传的内容太大，请减少附件或压缩后重试。",
    429: "操作过于频繁，请稍后再试。",
}


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_response(request: web.Request, status: int, message: str) -> web.Response:
    """A Chinese error as JSON for the API and as a page for people."""
    if _is_api(request):
        return web.json_response({"error": message, "status": status}, status=status,
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))
    return render(request, "error.html", {"message": message, "status": status}, status=status)


def desk_error_status(err: DeskError) -> int:
    """The HTTP status for a refused domain action."""
    if isinstance(err, PermissionDeniedError):
        return 403
    if isinstance(err, UnknownIncidentError):
        return 404
    if isinstance(err, IllegalTransitionError):
        return 409
    return 422 if isinstance(err, InvalidInputError) else 400


@web.middleware
async def error_middleware(request: web.Request, handler: web.RequestHandler
                           ) -> web.StreamResponse:
    """The root of every request: HTTP errors and refusals become Chinese responses."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            response = exc  # a redirect, with any cookies it sets
        else:
            response = error_response(request, exc.status,
                                      _HTTP_MESSAGES.get(exc.status, "请求无法处理。"))
    except DeskError as err:
        response = error_response(request, desk_error_status(err), err.user_message)
    except Exception:  # the task root: log it, answer politely, keep serving
        logger.exception("web request failed path=%s", request.path)
        response = error_response(request, 500, "服务器内部错误，请稍后再试或联系服务台。")
    apply_security_headers(response)
    set_csrf_cookie(request, response, secure=ctx_of(request).secure_cookies)
    return response


@web.middleware
async def csrf_middleware(request: web.Request, handler: web.RequestHandler
                          ) -> web.StreamResponse:
    """Every state-changing browser request must carry this browser's CSRF token."""
    if (request.method in ("POST", "PUT", "PATCH", "DELETE") and not _is_api(request)
            and request.path not in _SELF_CHECKED
            and not request.path.startswith(_SELF_CHECKED_PREFIX)):
        data = await request.post()
        submitted = str(data.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
        if not csrf_valid(request, ctx_of(request).signer, submitted):
            return error_response(request, 403, "页面已过期或来源不明，请返回上一页刷新后重试。")
    return await handler(request)


def create_app(runtime: Runtime, scheduler_state: SchedulerState) -> web.Application:
    """The web application for ``runtime``: form, tracking page, console, REST API."""
    app = web.Application(middlewares=[error_middleware, csrf_middleware,
                                       auth.session_middleware, api.bearer_middleware],
                          client_max_size=_max_body(runtime))
    app[CTX] = build_context(runtime)
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                               autoescape=True)
    setup_filters(env, runtime.settings.desk.zone())
    app.router.add_get("/healthz", health_handler(runtime, scheduler_state))
    app.router.add_static("/static", STATIC, append_version=False)
    for module in (public, auth, console, console_tools, knowledge_pages, quarantine, api):
        module.add_routes(app)
    return app


def _max_body(runtime: Runtime) -> int:
    web_settings = runtime.settings.web
    return web_settings.upload_max_files * web_settings.upload_max_bytes + 1024 * 1024
