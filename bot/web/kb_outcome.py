"""Outcomes of the repair form's KB suggestions: shown, then reported anyway (or not).

The suggestion shown to a browser is logged once per form and remembered in a signed,
HttpOnly cookie; when that browser then submits the repair form, the logged question is
marked ``fault_reported`` with the new incident. Nothing more happening means ``accepted``,
decided lazily by ``KnowledgeService.settle_outcomes``.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.web.context import WebContext
from bot.web.security import client_key
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

COOKIE = "desk_kbq"


def _value(ctx: WebContext, query_id: int) -> str:
    return f"{query_id}.{ctx.signer.sign(f'kbq:{query_id}')}"


def shown_query_id(request: web.Request, ctx: WebContext) -> int | None:
    """The logged question this browser was last shown, when the cookie is genuine."""
    raw = request.cookies.get(COOKIE, "")
    number, _, mac = raw.partition(".")
    if not number.isdigit() or len(number) > 12 or not ctx.signer.valid(f"kbq:{number}", mac):
        return None
    return int(number)


async def log_shown(request: web.Request, ctx: WebContext, text: str,
                    response: web.StreamResponse) -> None:
    """Log the suggestions just shown (the same form's row is updated as it is typed)."""
    knowledge: Any = ctx.knowledge
    if not hasattr(knowledge, "log_suggestion") or not ctx.kb_log_limiter.allow(
            client_key(request)):
        return
    try:
        query_id = await knowledge.log_suggestion(text,
                                                  previous_id=shown_query_id(request, ctx))
    except Exception:  # learning must never cost the requester their suggestions
        logger.exception("could not log a KB suggestion")
        return
    if query_id is None:
        return
    response.set_cookie(COOKIE, _value(ctx, query_id), httponly=True, samesite="Lax",
                        secure=ctx.secure_cookies, path="/",
                        max_age=int(knowledge.outcome_window.total_seconds()))


async def link_report(request: web.Request, ctx: WebContext, number: str,
                      response: web.StreamResponse) -> None:
    """The browser shown a suggestion reported a fault anyway: mark that question."""
    query_id = shown_query_id(request, ctx)
    knowledge: Any = ctx.knowledge
    if query_id is None or not hasattr(knowledge, "fault_reported"):
        return
    response.del_cookie(COOKIE, path="/")
    try:
        async with UnitOfWork(ctx.runtime.session_factory) as uow:
            incident = await uow.incidents.by_number(number)
        await knowledge.fault_reported(query_id, incident_id=incident.id or 0,
                                           contact_id=incident.requester_id)
    except Exception:  # learning must never cost the requester their report
        logger.exception("could not link KB suggestion %s to incident %s", query_id, number)
