"""Console login, logout and the session middleware; role checks for staff pages."""

from __future__ import annotations

from aiohttp import web

from bot.domain.staff import Permission, PermissionDeniedError, Staff
from bot.services.auth import LoginOutcome
from bot.services.texts import format_local
from bot.web.context import ctx_of, render
from bot.web.security import CSRF_FIELD, client_key, csrf_valid

SESSION_COOKIE = "desk_session"
_STAFF_PATHS = ("/console", "/logout")


@web.middleware
async def session_middleware(request: web.Request, handler: web.RequestHandler
                             ) -> web.StreamResponse:
    """Resolve the session cookie to a staff member on console paths."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and request.path.startswith(_STAFF_PATHS) and len(token) < 100:
        staff = await ctx_of(request).auth.staff_for(token)
        if staff is not None:
            request["staff"], request["session_token"] = staff, token
    return await handler(request)


def require_staff(request: web.Request, permission: Permission | None = None) -> Staff:
    """The logged-in member (else a redirect to the login page), checked for ``permission``."""
    staff: Staff | None = request.get("staff")
    if staff is None:
        raise web.HTTPSeeOther(f"/login?next={_safe_next(request.path_qs)}")
    if permission is not None:
        staff.require(permission)
    return staff


def add_routes(app: web.Application) -> None:
    """Register the login and logout handlers."""
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)


async def login_page(request: web.Request) -> web.Response:
    """The login form."""
    return render(request, "login.html", {"username": "", "error": None,
                                          "next": _safe_next(request.query.get("next", ""))})


async def login_submit(request: web.Request) -> web.StreamResponse:
    """Check the password; set an HttpOnly, SameSite=Strict session cookie."""
    ctx = ctx_of(request)
    data = await request.post()
    username = str(data.get("username", "")).strip()[:64]
    password = str(data.get("password", ""))[:200]
    target = _safe_next(str(data.get("next", "")))
    error = None
    if not csrf_valid(request, ctx.signer, str(data.get(CSRF_FIELD, ""))):
        error = "页面已过期，请重新输入后登录。"
    elif not ctx.login_limiter.allow(client_key(request)):
        error = "登录尝试过于频繁，请一分钟后再试。"
    elif not username or not password:
        error = "请输入用户名和密码。"
    else:
        result = await ctx.auth.login(username, password)
        if result.outcome is LoginOutcome.OK and result.token:
            response = web.HTTPSeeOther(target or "/console")
            response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="Strict",
                                secure=ctx.secure_cookies, path="/",
                                max_age=int(ctx.auth.session_lifetime.total_seconds()))
            raise response
        if result.outcome is LoginOutcome.LOCKED:
            until = format_local(result.locked_until, ctx.zone)
            error = f"连续登录失败次数过多，账号已锁定至 {until}。"
        else:
            error = "用户名或密码不正确。"
    return render(request, "login.html", {"username": username, "error": error,
                                          "next": target}, status=400)


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session and forget the cookie."""
    token = request.get("session_token")
    if token:
        await ctx_of(request).auth.logout(token)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _safe_next(target: str) -> str:
    # Only local console paths: no open redirect to another site.
    if target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return ""


def forbid(staff: Staff, permission: Permission) -> None:
    """Raise PermissionDeniedError unless ``staff`` may ``permission``."""
    if not staff.can(permission):
        raise PermissionDeniedError(staff.username, permission)
