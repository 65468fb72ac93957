"""What every handler shares: the runtime, web services, security helpers and page rendering."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from bot.domain.incident import Category, Status
from bot.domain.messages import ChannelKind
from bot.domain.sla import Severity
from bot.domain.staff import Permission, Role, Staff
from bot.runtime import Runtime
from bot.services.auth import AuthService
from bot.services.ledger import LedgerService
from bot.services.texts import format_local
from bot.web.forms import URGENCY
from bot.web.security import RateLimiter, Signer, csrf_token


@dataclass
class WebContext:
    """The web channel's services, built once per application."""

    runtime: Runtime
    ledger: LedgerService
    auth: AuthService
    signer: Signer
    form_limiter: RateLimiter
    login_limiter: RateLimiter
    api_tokens: dict[str, Staff] = field(default_factory=dict)
    wall_clock: Any = time.time
    # Logging of repair-form KB suggestions per client (suggestions themselves are not limited).
    kb_log_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(60))

    @property
    def zone(self) -> ZoneInfo:
        """The desk's time zone."""
        return self.runtime.settings.desk.zone()

    @property
    def knowledge(self) -> Any | None:
        """The knowledge base, when the desk has one."""
        return getattr(self.runtime, "knowledge", None)

    @property
    def secure_cookies(self) -> bool:
        """Send cookies only over HTTPS when the public address is HTTPS."""
        return self.runtime.settings.web.public_url.startswith("https://")


CTX: web.AppKey[WebContext] = web.AppKey("web_context", WebContext)


def build_context(runtime: Runtime) -> WebContext:
    """Services and limits from the runtime's settings."""
    web_settings = runtime.settings.web
    key = web_settings.secret_key.encode("utf-8") or secrets.token_bytes(32)
    auth = AuthService(session_factory=runtime.session_factory, clock=runtime.clock,
                       session_lifetime=web_settings.session_lifetime.amount,
                       lockout_after=web_settings.lockout_after,
                       lockout_time=web_settings.lockout_time.amount)
    tokens = {}
    for item in web_settings.api_tokens:
        name = item.get("name") or "api"
        role = Role(item.get("role") or Role.DESK.value)
        tokens[item["token"]] = Staff(f"api:{name}", f"接口 {name}", role)
    return WebContext(runtime=runtime, ledger=LedgerService(runtime.session_factory, runtime.clock),
                      auth=auth, signer=Signer(key),
                      form_limiter=RateLimiter(web_settings.form_rate_limit),
                      login_limiter=RateLimiter(web_settings.login_rate_limit),
                      api_tokens=tokens)


def ctx_of(request: web.Request) -> WebContext:
    """The application's WebContext."""
    return request.app[CTX]


def render(request: web.Request, template: str, context: dict[str, Any], *,
           status: int = 200) -> web.Response:
    """Render a page with what every page needs (CSRF token, staff, labels)."""
    ctx = ctx_of(request)
    values = {
        "csrf_token": csrf_token(request, ctx.signer), "staff": request.get("staff"),
        "Status": Status, "Severity": Severity, "Category": Category, "ChannelKind": ChannelKind,
        "Permission": Permission, "urgencies": URGENCY, "now": ctx.runtime.clock(),
        **context,
    }
    response = aiohttp_jinja2.render_template(template, request, values, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def setup_filters(env: Any, zone: ZoneInfo) -> None:
    """Jinja filters for times and labels."""
    env.filters["local"] = lambda at: format_local(at, zone)
    env.filters["status_label"] = lambda v: _label(Status, v)
    env.filters["severity_label"] = lambda v: _label(Severity, v)
    env.filters["category_label"] = lambda v: _label(Category, v)
    env.filters["channel_label"] = lambda v: _label(ChannelKind, v)
    env.filters["filesize"] = _filesize
    env.globals["format_local"] = format_local


def _label(enum: Any, value: Any) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


def _filesize(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, size // 1024)} KB"


def local_input(at: datetime | None, zone: ZoneInfo) -> str:
    """A datetime as an ``<input type=datetime-local>`` value."""
    return at.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if at else ""
