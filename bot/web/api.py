"""The REST API under /api/v1: bearer tokens from configuration, JSON in and out."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.domain.errors import InvalidInputError
from bot.domain.incident import Incident
from bot.domain.messages import ChannelKind
from bot.domain.staff import Permission, Staff
from bot.services.ledger import IncidentView, LedgerPage
from bot.web.console import ledger_filter, page_number
from bot.web.console_tools import link_identity, merge_contacts, revive_dead_letter
from bot.web.context import WebContext, ctx_of
from bot.web.forms import read_repair, repair_to_inbound
from bot.web.openapi import openapi_document
from bot.web.verbs import perform
from storage.unit_of_work import UnitOfWork

PREFIX = "/api/v1"
_PUBLIC = frozenset({f"{PREFIX}/openapi.json"})


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def reply(data: Any, status: int = 200) -> web.Response:
    """A JSON response with Chinese left readable."""
    return web.json_response(data, status=status, dumps=_dumps)


@web.middleware
async def bearer_middleware(request: web.Request, handler: web.RequestHandler
                            ) -> web.StreamResponse:
    """Every API call but the OpenAPI document needs a configured bearer token."""
    if request.path.startswith(PREFIX + "/") and request.path not in _PUBLIC:
        client = _client_for(ctx_of(request), request.headers.get("Authorization", ""))
        if client is None:
            response = reply({"error": "缺少或无效的访问令牌。", "status": 401}, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="sitedesk"'
            return response
        request["api_staff"] = client
    return await handler(request)


def _client_for(ctx: WebContext, header: str) -> Staff | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    found = None
    for known, staff in ctx.api_tokens.items():  # compare all: no timing hint which matched
        if hmac.compare_digest(known.encode(), token.strip().encode()):
            found = staff
    return found


def add_routes(app: web.Application) -> None:
    """Register the API."""
    app.router.add_get(f"{PREFIX}/openapi.json", openapi)
    app.router.add_get(f"{PREFIX}/incidents", list_incidents)
    app.router.add_post(f"{PREFIX}/incidents", create_incident)
    app.router.add_get(f"{PREFIX}/incidents/{{number}}", get_incident)
    app.router.add_post(f"{PREFIX}/incidents/{{number}}/actions/{{verb}}", incident_action)
    app.router.add_get(f"{PREFIX}/dead-letters", dead_letters)
    app.router.add_post(f"{PREFIX}/dead-letters/{{id}}/retry", retry_dead_letter)
    app.router.add_post(f"{PREFIX}/contacts/merge", contacts_merge)
    app.router.add_post(f"{PREFIX}/contacts/{{id}}/identities", contact_identity)


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.0 description of this API."""
    base = ctx_of(request).runtime.settings.web.base_url()
    return reply(openapi_document(base))


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidInputError("body is not JSON", "请求体必须是 JSON 对象。") from err
    if not isinstance(body, dict):
        raise InvalidInputError("body is not an object", "请求体必须是 JSON 对象。")
    return body


async def list_incidents(request: web.Request) -> web.Response:
    """Filtered, due-first, paged ledger rows."""
    ctx, staff = ctx_of(request), request["api_staff"]
    per_page = page_number(request.query.get("per_page")) if request.query.get("per_page") else 25
    result = await ctx.ledger.page(ledger_filter(request.query, staff.username),
                                   page=page_number(request.query.get("page")),
                                   per_page=per_page)
    return reply(page_json(result))


def page_json(result: LedgerPage) -> dict[str, Any]:
    """A ledger page as JSON."""
    return {"total": result.total, "page": result.page, "pages": result.pages,
            "per_page": result.per_page,
            "items": [{"number": r.number, "title": r.title, "status": r.status,
                       "severity": r.severity, "category": r.category, "channel": r.channel,
                       "owner": r.owner, "assignee": r.assignee, "requester": r.requester,
                       "reported_at": r.reported_at, "next_due_at": r.next_due_at,
                       "overdue": r.overdue} for r in result.rows]}


async def create_incident(request: web.Request) -> web.Response:
    """Another system reports a problem; ``external_id`` makes a retry harmless."""
    ctx = ctx_of(request)
    body = await _json_object(request)
    external = body.get("external_id")
    if external is not None and (not isinstance(external, str) or not 0 < len(external) <= 200):
        raise InvalidInputError("bad external_id", "external_id 应为 1–200 个字符的字符串。")
    sid = hashlib.sha256(external.encode()).hexdigest()[:32] if external else uuid.uuid4().hex
    data = {k: v for k, v in body.items() if isinstance(v, str)}
    form = read_repair({**data, "submission_id": sid}, sites=ctx.runtime.settings.web.sites)
    if form.errors:
        return reply({"error": "；".join(form.errors.values()), "fields": form.errors,
                      "status": 422}, 422)
    msg = repair_to_inbound(form, channel=ChannelKind.API, received_at=ctx.runtime.clock(),
                            email_enabled=ctx.runtime.settings.email.enabled)
    result = await ctx.runtime.intake.handle(msg)
    assert result.incident_number is not None
    view = await ctx.ledger.incident(result.incident_number)
    return reply({**incident_json(view.incident, ctx), "created": result.created,
                  "duplicate": result.duplicate}, 200 if result.duplicate else 201)


async def get_incident(request: web.Request) -> web.Response:
    """One incident with its whole timeline and every message."""
    ctx = ctx_of(request)
    view = await ctx.ledger.incident(request.match_info["number"])
    return reply(view_json(view, ctx))


async def incident_action(request: web.Request) -> web.Response:
    """Perform a console action as the token's account."""
    ctx = ctx_of(request)
    body = await _json_object(request)
    incident = await perform(ctx.runtime.actions, request.match_info["verb"],
                             request.match_info["number"], request["api_staff"], body, ctx.zone)
    return reply(incident_json(incident, ctx))


async def dead_letters(request: web.Request) -> web.Response:
    """Undeliverable notices."""
    request["api_staff"].require(Permission.WORK)
    async with UnitOfWork(ctx_of(request).runtime.session_factory) as uow:
        letters = await uow.outbox.dead_letters(limit=200)
    return reply({"items": [{"id": c.id, "attempts": c.attempts, "kind": c.notice.kind.value,
                             "channel": c.notice.address.kind.value,
                             "incident_number": c.notice.incident_number, "error": error}
                            for c, error in letters]})


async def retry_dead_letter(request: web.Request) -> web.Response:
    """Requeue one dead letter."""
    request["api_staff"].require(Permission.TRIAGE)
    row_id = request.match_info["id"]
    if not row_id.isdigit() or len(row_id) > 18:
        raise InvalidInputError("bad id", "通知编号应为数字。")
    await revive_dead_letter(ctx_of(request), int(row_id))
    return reply({"ok": True})


async def contacts_merge(request: web.Request) -> web.Response:
    """Merge two contacts."""
    body = await _json_object(request)
    await merge_contacts(ctx_of(request), request["api_staff"], str(body.get("keep_id", "")),
                         str(body.get("drop_id", "")))
    return reply({"ok": True})


async def contact_identity(request: web.Request) -> web.Response:
    """Link a QQ id, email or phone to a contact."""
    body = await _json_object(request)
    contact_id = request.match_info["id"]
    if not contact_id.isdigit() or len(contact_id) > 12:
        raise InvalidInputError("bad id", "联系人编号应为数字。")
    await link_identity(ctx_of(request), request["api_staff"], int(contact_id),
                        str(body.get("kind", "")), str(body.get("value", "")))
    return reply({"ok": True})


def incident_json(incident: Incident, ctx: WebContext) -> dict[str, Any]:
    """The incident's fields as JSON."""
    return {"number": incident.number, "title": incident.title,
            "description": incident.description, "status": incident.status.value,
            "severity": incident.severity.value, "category": incident.category.value,
            "channel": incident.channel.value, "owner": incident.owner,
            "assignee": incident.assignee, "reported_at": incident.reported_at,
            "response_due_at": incident.response_due_at, "plan_due_at": incident.plan_due_at,
            "resolved_at": incident.resolved_at, "closed_at": incident.closed_at,
            "resolution": incident.resolution.value if incident.resolution else None,
            "duplicate_of": incident.duplicate_of,
            "tracking_url": f"{ctx.runtime.settings.web.base_url()}/t/{incident.tracking_token}"}


def view_json(view: IncidentView, ctx: WebContext) -> dict[str, Any]:
    """An incident with requester, timeline and messages as JSON."""
    requester = view.requester
    return {**incident_json(view.incident, ctx),
            "requester": None if requester is None else {
                "id": requester.id, "name": requester.name, "unit": requester.unit,
                "identities": [{"kind": k.value, "value": v} for k, v in requester.identities]},
            "timeline": [{"kind": e.kind.value, "actor": e.actor, "at": e.at, "public": e.public,
                          "data": e.data} for e in view.timeline],
            "messages": [{"id": m.id, "direction": m.direction, "channel": m.channel,
                          "author": m.author, "subject": m.subject, "text": m.text, "at": m.at,
                          "attachments": [{"filename": a.filename, "content_type": a.content_type,
                                           "size": a.size} for a in m.attachments]}
                         for m in view.messages]}
