"""The requester's pages: the repair form (在线报修), KB suggestions and the tracking page."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.domain.contact import Contact, IdentityKind
from bot.domain.errors import DeskError
from bot.domain.messages import Attachment, ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.services.ledger import IncidentView
from bot.web import kb_outcome
from bot.web.context import WebContext, ctx_of, render
from bot.web.downloads import send_attachment
from bot.web.forms import (
    RepairInput, read_repair, read_uploads, repair_to_inbound, valid_submission_id,
)
from bot.web.security import CSRF_FIELD, client_key, csrf_valid
from bot.web.timeline import describe_event

FormData = MultiDictProxy[Any]


def add_routes(app: web.Application) -> None:
    """Register the public pages."""
    app.router.add_get("/", index)
    app.router.add_get("/baoxiu", form_page)
    app.router.add_post("/baoxiu", form_submit)
    app.router.add_get("/kb/suggest", kb_suggest)
    app.router.add_get("/t/{token}", track_page)
    app.router.add_post("/t/{token}/info", track_add_info)
    app.router.add_post("/t/{token}/confirm", track_confirm)
    app.router.add_post("/t/{token}/not-resolved", track_not_resolved)
    app.router.add_get("/t/{token}/files/{message_id:\\d+}/{index:\\d+}", track_file)


async def index(request: web.Request) -> web.Response:
    """The landing page: report a problem, follow one, or log in."""
    return render(request, "index.html", {})


async def form_page(request: web.Request) -> web.Response:
    """An empty repair form with a fresh submission id."""
    return form_response(request, RepairInput(submission_id=uuid.uuid4().hex))


def form_response(request: web.Request, form: RepairInput, *, status: int = 200,
                  upload_error: str | None = None) -> web.Response:
    """The form, filled with what was typed and the reasons it was refused."""
    ctx = ctx_of(request)
    if not valid_submission_id(form.submission_id):
        form.submission_id = uuid.uuid4().hex
    return render(request, "form.html", {
        "form": form, "sites": ctx.runtime.settings.web.sites, "upload_error": upload_error,
        "issued": ctx.signer.stamp(ctx.wall_clock()), "kb_enabled": ctx.knowledge is not None,
        "limits": ctx.runtime.settings.web}, status=status)


async def form_submit(request: web.Request) -> web.Response:
    """Check, store the files, hand the report to intake, then show the tracking page."""
    ctx = ctx_of(request)
    data = await request.post()
    form = read_repair(data, sites=ctx.runtime.settings.web.sites)
    refusal, status = _refusal(request, ctx, data)
    if refusal:
        form.errors["form"] = refusal
    uploads, upload_error = read_uploads(_files(data), **_upload_limits(ctx))
    if form.errors or upload_error:
        return form_response(request, form, status=status if refusal else 400,
                             upload_error=upload_error)
    now = ctx.runtime.clock()
    attachments = [_store(ctx, u.filename, u.content_type, u.data) for u in uploads]
    msg = repair_to_inbound(form, channel=ChannelKind.WEB, received_at=now,
                            attachments=attachments,
                            email_enabled=ctx.runtime.settings.email.enabled)
    result = await ctx.runtime.intake.handle(msg)
    assert result.incident_number is not None
    token = await ctx.ledger.tracking_token(result.incident_number)
    redirect = web.HTTPSeeOther(f"/t/{token}?new=1")
    await kb_outcome.link_report(request, ctx, result.incident_number, redirect)
    raise redirect


def _refusal(request: web.Request, ctx: WebContext, data: FormData) -> tuple[str | None, int]:
    """Why a submission is refused before its content is looked at (CSRF, spam, flooding)."""
    if not csrf_valid(request, ctx.signer, str(data.get(CSRF_FIELD, ""))):
        return "页面已过期，请确认内容后再次提交。", 403
    if str(data.get("website", "")):
        return "提交未被接受，请不要填写隐藏的字段。", 400
    age = ctx.signer.stamp_age(str(data.get("issued", "")), ctx.wall_clock())
    if age is None or age > 24 * 3600:
        return "表单已过期，请确认内容后再次提交。", 400
    if age < ctx.runtime.settings.web.min_fill_time.amount.total_seconds():
        return "提交太快了，请确认填写的内容后再提交一次。", 400
    if not ctx.form_limiter.allow(client_key(request)):
        return "提交过于频繁，请稍后再试。已填写的内容已保留。", 429
    return None, 200


def _files(data: FormData) -> list[tuple[str, bytes]]:
    files = []
    for item in data.getall("files", []):
        if isinstance(item, web.FileField) and item.filename:
            files.append((item.filename, item.file.read()))
    return files


def _upload_limits(ctx: WebContext) -> dict[str, Any]:
    web_settings = ctx.runtime.settings.web
    return {"allowed": web_settings.upload_types, "max_files": web_settings.upload_max_files,
            "max_bytes": web_settings.upload_max_bytes}


def _store(ctx: WebContext, filename: str, content_type: str, data: bytes) -> Attachment:
    stored = ctx.runtime.files.save(data, now=ctx.runtime.clock())
    return Attachment(filename, content_type, stored.size, stored.ref)


async def kb_suggest(request: web.Request) -> web.Response:
    """Knowledge-base answers matching what the requester is typing (JSON)."""
    ctx = ctx_of(request)
    knowledge = ctx.knowledge
    text = request.query.get("q", "").strip()[:500]
    if knowledge is None or len(text) < 2:
        return web.json_response({"enabled": knowledge is not None, "items": []})
    pairs: Sequence[tuple[str, str]] = knowledge.suggest(text, 3)
    items = [{"title": str(title), "answer": str(answer)} for title, answer in pairs]
    response = web.json_response({"enabled": True, "items": items},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))
    if items:
        await kb_outcome.log_shown(request, ctx, text, response)
    return response


async def _view_or_404(request: web.Request) -> IncidentView:
    view = await ctx_of(request).ledger.by_token(request.match_info["token"])
    if view is None:
        raise web.HTTPNotFound()
    return view


def track_response(request: web.Request, view: IncidentView, *, error: str | None = None,
                   info_text: str = "", status: int = 200) -> web.Response:
    """The tracking page for ``view``."""
    ctx = ctx_of(request)
    events = [(ev, describe_event(ev, ctx.zone)) for ev in view.timeline]
    return render(request, "track.html", {
        "view": view, "incident": view.incident, "events": events, "error": error,
        "info_text": info_text, "submission_id": uuid.uuid4().hex,
        "token": view.incident.tracking_token, "flags": request.query,
        "limits": ctx.runtime.settings.web}, status=status)


async def track_page(request: web.Request) -> web.Response:
    """Status, public timeline, messages and the requester's buttons."""
    return track_response(request, await _view_or_404(request))


async def track_add_info(request: web.Request) -> web.Response:
    """More information from the requester becomes a follow-up on the incident."""
    ctx, view = ctx_of(request), await _view_or_404(request)
    data = await request.post()
    text = str(data.get("text", "")).strip()
    sid = str(data.get("submission_id", ""))
    uploads, error = read_uploads(_files(data), **_upload_limits(ctx))
    if not view.incident.is_open:
        error = "工单已关闭，如问题再次出现，请重新报修。"
    elif not text or len(text) > 5000:
        error = error or ("请填写补充内容。" if not text else "内容过长（最多 5000 个字）。")
    elif not valid_submission_id(sid):
        error = "表单已失效，请刷新后重试。"
    elif not ctx.form_limiter.allow(client_key(request)):
        error = "提交过于频繁，请稍后再试。"
    if error:
        return track_response(request, view, error=error, info_text=text, status=400)
    attachments = [_store(ctx, u.filename, u.content_type, u.data) for u in uploads]
    await ctx.runtime.intake.handle(InboundMessage(
        channel=ChannelKind.WEB, external_id=f"web:{sid}", sender=_identity(view.requester),
        reply_to=view.incident.reply_address or ReplyAddress(ChannelKind.WEB, "form"),
        text=text, received_at=ctx.runtime.clock(), incident_number=view.incident.number,
        attachments=tuple(attachments),
        raw=json.dumps({"channel": "web", "text": text}, ensure_ascii=False).encode("utf-8")))
    raise web.HTTPSeeOther(f"/t/{view.incident.tracking_token}?added=1")


async def track_confirm(request: web.Request) -> web.Response:
    """已解决，确认: the requester's confirmation closes the incident."""
    return await _requester_verb(request, confirm=True)


async def track_not_resolved(request: web.Request) -> web.Response:
    """未解决: the incident reopens."""
    return await _requester_verb(request, confirm=False)


async def _requester_verb(request: web.Request, *, confirm: bool) -> web.Response:
    ctx, view = ctx_of(request), await _view_or_404(request)
    incident, requester = view.incident, view.requester
    if incident.requester_id is None:
        raise web.HTTPNotFound()
    name = requester.display_name if requester else "报修人"
    data = await request.post()
    try:
        if confirm:
            await ctx.runtime.actions.confirm(incident.number, incident.requester_id, name)
        else:
            reason = str(data.get("reason", "")).strip()[:2000]
            await ctx.runtime.actions.not_resolved(incident.number, incident.requester_id,
                                                   name, reason)
    except DeskError:
        return track_response(request, view, status=409,
                              error="当前状态不能进行此操作，工单可能已被处理，请刷新页面。")
    flag = "confirmed" if confirm else "reopened"
    raise web.HTTPSeeOther(f"/t/{incident.tracking_token}?{flag}=1")


async def track_file(request: web.Request) -> web.StreamResponse:
    """An attachment of this incident, for the holder of the tracking link."""
    view = await _view_or_404(request)
    return await send_attachment(ctx_of(request), view.incident.id,
                                 int(request.match_info["message_id"]),
                                 int(request.match_info["index"]))


def _identity(contact: Contact | None) -> SenderIdentity:
    if contact is None:
        return SenderIdentity()
    return SenderIdentity(name=contact.name, unit=contact.unit,
                          qq=contact.value_of(IdentityKind.QQ),
                          email=contact.value_of(IdentityKind.EMAIL),
                          phone=contact.value_of(IdentityKind.PHONE))
