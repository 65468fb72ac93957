"""The staff console: the ledger (客服台帐), the incident page and its actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.domain.errors import DeskError
from bot.domain.incident import find_incident_number
from bot.domain.staff import Permission
from bot.services.ledger import IncidentView
from bot.web.auth import require_staff
from bot.web.context import ctx_of, local_input, render
from bot.web.downloads import send_attachment
from bot.web.timeline import describe_event
from bot.web.verbs import available_verbs, perform
from storage.ledger import LedgerFilter
from storage.unit_of_work import UnitOfWork

FILTER_KEYS = ("status", "severity", "category", "channel", "owner", "q", "overdue", "open")


def add_routes(app: web.Application) -> None:
    """Register the ledger and incident pages."""
    app.router.add_get("/console", ledger_page)
    app.router.add_get("/console/incidents/{number}", incident_page)
    app.router.add_post("/console/incidents/{number}/{verb}", incident_action)
    app.router.add_get("/console/files/{message_id:\\d+}/{index:\\d+}", staff_file)


def ledger_filter(query: Mapping[str, str], me: str | None) -> LedgerFilter:
    """The filter a query string asks for; ``owner=me`` is the logged-in member."""
    owner = query.get("owner", "").strip()[:64] or None
    if owner == "me":
        owner = me
    return LedgerFilter(
        status=query.get("status") or None, severity=query.get("severity") or None,
        category=query.get("category") or None, channel=query.get("channel") or None,
        owner=owner, overdue=query.get("overdue") in ("1", "on", "true"),
        open_only=query.get("open") in ("1", "on", "true"),
        text=(query.get("q") or "").strip()[:200] or None)


def page_number(raw: str | None) -> int:
    """A page number from the query string; garbage means the first page."""
    return int(raw) if raw and raw.isdigit() and 0 < len(raw) < 6 else 1


async def ledger_page(request: web.Request) -> web.Response:
    """Filters, due-first order, overdue rows marked, paging, search by number or text."""
    staff = require_staff(request)
    ctx = ctx_of(request)
    query = request.query
    number = find_incident_number(query.get("q", ""))
    if number and query.get("q", "").strip() == number:
        raise web.HTTPSeeOther(f"/console/incidents/{number}")
    result = await ctx.ledger.page(ledger_filter(query, staff.username),
                                   page=page_number(query.get("page")))
    kept = {k: query[k] for k in FILTER_KEYS if query.get(k)}
    async with UnitOfWork(ctx.runtime.session_factory) as uow:
        roster = await uow.staff.all()
    return render(request, "ledger.html", {
        "result": result, "filters": kept, "roster": roster,
        "page_link": lambda p: "/console?" + urlencode({**kept, "page": p})})


async def incident_page(request: web.Request) -> web.Response:
    """The whole timeline, every message, and the action forms."""
    require_staff(request)
    view = await ctx_of(request).ledger.incident(request.match_info["number"])
    return await incident_response(request, view)


async def incident_response(request: web.Request, view: IncidentView, *,
                            error: str | None = None, values: Mapping[str, Any] | None = None,
                            status: int = 200) -> web.Response:
    """Render the incident page, optionally with a refused action's error and input."""
    ctx = ctx_of(request)
    async with UnitOfWork(ctx.runtime.session_factory) as uow:
        roster = [s for s in await uow.staff.all() if s.active]
    events = [(ev, describe_event(ev, ctx.zone)) for ev in view.timeline]
    return render(request, "incident.html", {
        "view": view, "incident": view.incident, "events": events, "roster": roster,
        "verbs": available_verbs(ctx.runtime.actions), "error": error,
        "values": values or {}, "plan_default": local_input(view.incident.plan_due_at, ctx.zone),
        "tracking_url": f"{ctx.runtime.settings.web.base_url()}/t/{view.incident.tracking_token}",
        "flash": request.query.get("done")}, status=status)


async def incident_action(request: web.Request) -> web.Response:
    """Run one verb; on refusal show the page again with the reason and what was typed."""
    staff = require_staff(request)
    ctx = ctx_of(request)
    number, verb = request.match_info["number"], request.match_info["verb"]
    data = await request.post()
    params = {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        await perform(ctx.runtime.actions, verb, number, staff, params, ctx.zone)
    except DeskError as err:
        view = await ctx.ledger.incident(number)
        return await incident_response(request, view, error=err.user_message,
                                       values={verb: params}, status=400)
    raise web.HTTPSeeOther(f"/console/incidents/{number}?done={verb}")


async def staff_file(request: web.Request) -> web.StreamResponse:
    """Any incident's attachment, for logged-in staff."""
    require_staff(request, Permission.WORK)
    return await send_attachment(ctx_of(request), None, int(request.match_info["message_id"]),
                                 int(request.match_info["index"]))
