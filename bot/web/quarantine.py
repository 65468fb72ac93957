"""The console's view of quarantined mail: what could not be taken in, and a button to retry."""

from __future__ import annotations

from email import message_from_bytes, policy

from aiohttp import web

from bot.channels.email_service import quarantined_mails, reprocess
from bot.domain.errors import InvalidInputError
from bot.domain.staff import Permission
from bot.web.auth import require_staff
from bot.web.context import ctx_of, render
from bot.web.security import content_disposition
from storage.unit_of_work import UnitOfWork


def add_routes(app: web.Application) -> None:
    """Register the quarantine routes."""
    app.router.add_get("/console/quarantine", quarantine_page)
    app.router.add_post("/console/quarantine/{id:\\d+}/reprocess", quarantine_reprocess)
    app.router.add_get("/console/quarantine/{id:\\d+}/raw", quarantine_raw)


async def quarantine_page(request: web.Request) -> web.Response:
    """Quarantined mails, newest first, with the reason and the error."""
    require_staff(request, Permission.WORK)
    mails = await quarantined_mails(ctx_of(request).runtime, limit=200)
    rows = [{"mail": m, "subject": _subject(m.raw)} for m in mails]
    return render(request, "quarantine.html", {"rows": rows, "flash": request.query.get("done")})


async def quarantine_reprocess(request: web.Request) -> web.Response:
    """Run one quarantined mail through intake again (after a fix, or a corrected setting)."""
    require_staff(request, Permission.TRIAGE)
    ctx = ctx_of(request)
    try:
        state = await reprocess(ctx.runtime, int(request.match_info["id"]))
    except LookupError as err:
        raise InvalidInputError("no such mail", "找不到该邮件。") from err
    ctx.runtime.intake.on_committed()
    raise web.HTTPSeeOther(f"/console/quarantine?done={state.value}")


async def quarantine_raw(request: web.Request) -> web.Response:
    """The mail exactly as received, as a download (never rendered in the page)."""
    require_staff(request, Permission.WORK)
    async with UnitOfWork(ctx_of(request).runtime.session_factory) as uow:
        try:
            mail = await uow.mail.get(int(request.match_info["id"]))
        except LookupError as err:
            raise InvalidInputError("no such mail", "找不到该邮件。") from err
    return web.Response(body=mail.raw, content_type="application/octet-stream", headers={
        "Content-Disposition": content_disposition(f"mail-{mail.id}.eml"),
        "X-Content-Type-Options": "nosniff"})


def _subject(raw: bytes) -> str:
    try:
        return str(message_from_bytes(raw, policy=policy.default).get("Subject", "")) or "（无主题）"
    except (ValueError, LookupError, TypeError, AttributeError, UnicodeError):
        # a header broken enough to be quarantined may break the display parse too
        return "（无法解析主题）"
