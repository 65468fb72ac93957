"""Console tools beside the ledger: phone intake, undeliverable notices, contacts."""

from __future__ import annotations

import uuid

from aiohttp import web

from bot.domain.contact import IdentityKind
from bot.domain.errors import DeskError, InvalidInputError
from bot.domain.messages import ChannelKind, SenderIdentity
from bot.domain.sla import Severity
from bot.domain.staff import Permission, Staff
from bot.web.auth import require_staff
from bot.web.context import WebContext, ctx_of, render
from bot.web.forms import RepairInput, read_repair, repair_to_inbound, valid_submission_id
from bot.web.security import CSRF_FIELD, csrf_valid
from storage.unit_of_work import UnitOfWork


def add_routes(app: web.Application) -> None:
    """Register the phone form, the dead-letter view and the contact tools."""
    app.router.add_get("/console/phone", phone_page)
    app.router.add_post("/console/phone", phone_submit)
    app.router.add_get("/console/dead-letters", dead_letters_page)
    app.router.add_post("/console/dead-letters/{id:\\d+}/retry", dead_letter_retry)
    app.router.add_get("/console/contacts", contacts_page)
    app.router.add_post("/console/contacts/merge", contacts_merge)
    app.router.add_post("/console/contacts/{id:\\d+}/link", contact_link)


async def phone_page(request: web.Request) -> web.Response:
    """The hotline form (needs TRIAGE)."""
    require_staff(request, Permission.TRIAGE)
    return _phone_response(request, RepairInput(submission_id=uuid.uuid4().hex), "")


def _phone_response(request: web.Request, form: RepairInput, severity: str, *,
                    status: int = 200) -> web.Response:
    if not valid_submission_id(form.submission_id):
        form.submission_id = uuid.uuid4().hex
    return render(request, "phone.html", {
        "form": form, "severity": severity, "sites": ctx_of(request).runtime.settings.web.sites},
        status=status)


async def phone_submit(request: web.Request) -> web.Response:
    """A report taken on the phone becomes an incident (channel PHONE)."""
    require_staff(request, Permission.TRIAGE)
    ctx = ctx_of(request)
    data = await request.post()
    form = read_repair(data, sites=ctx.runtime.settings.web.sites, require_phone=True)
    severity = str(data.get("severity", ""))
    if severity and severity not in {s.value for s in Severity}:
        form.errors["severity"] = "请选择正确的级别。"
    if not csrf_valid(request, ctx.signer, str(data.get(CSRF_FIELD, ""))):
        form.errors["form"] = "页面已过期，请确认内容后再次提交。"
    if form.errors:
        return _phone_response(request, form, severity, status=400)
    msg = repair_to_inbound(form, channel=ChannelKind.PHONE, received_at=ctx.runtime.clock(),
                            email_enabled=ctx.runtime.settings.email.enabled,
                            severity=Severity(severity) if severity else None)
    result = await ctx.runtime.intake.handle(msg)
    assert result.incident_number is not None
    raise web.HTTPSeeOther(f"/console/incidents/{result.incident_number}?done=phone")


async def dead_letters_page(request: web.Request) -> web.Response:
    """Notices that could not be delivered, with their last error."""
    require_staff(request, Permission.WORK)
    async with UnitOfWork(ctx_of(request).runtime.session_factory) as uow:
        letters = await uow.outbox.dead_letters(limit=200)
    return render(request, "dead_letters.html", {"letters": letters,
                                                 "flash": request.query.get("done")})


async def dead_letter_retry(request: web.Request) -> web.Response:
    """Put one dead letter back in the queue."""
    require_staff(request, Permission.TRIAGE)
    await revive_dead_letter(ctx_of(request), int(request.match_info["id"]))
    raise web.HTTPSeeOther("/console/dead-letters?done=retry")


async def revive_dead_letter(ctx: WebContext, row_id: int) -> None:
    """Requeue a dead letter and wake the delivery job."""
    async with UnitOfWork(ctx.runtime.session_factory) as uow:
        try:
            await uow.outbox.revive(row_id, now=ctx.runtime.clock())
        except LookupError as err:
            raise InvalidInputError("no such outbox row", "找不到该通知。") from err
        await uow.commit()
    ctx.runtime.intake.on_committed()


async def contacts_page(request: web.Request, *, error: str | None = None,
                        status: int = 200) -> web.Response:
    """Search contacts by name, unit, QQ, email or phone; link and merge them."""
    require_staff(request, Permission.WORK)
    text = request.query.get("q", "").strip()[:100]
    hits = await ctx_of(request).ledger.search_contacts(text)
    return render(request, "contacts.html", {"q": text, "hits": hits, "error": error,
                                             "flash": request.query.get("done")}, status=status)


async def contacts_merge(request: web.Request) -> web.Response:
    """Fold one contact into another (needs TRIAGE)."""
    staff = require_staff(request, Permission.TRIAGE)
    data = await request.post()
    try:
        await merge_contacts(ctx_of(request), staff, str(data.get("keep_id", "")),
                             str(data.get("drop_id", "")))
    except DeskError as err:
        return await contacts_page(request, error=err.user_message, status=400)
    raise web.HTTPSeeOther("/console/contacts?done=merge")


async def merge_contacts(ctx: WebContext, staff: Staff, keep: str, drop: str) -> None:
    """Merge contact ``drop`` into ``keep`` (ids as typed)."""
    staff.require(Permission.TRIAGE)
    if not (keep.strip().isdigit() and drop.strip().isdigit()):
        raise InvalidInputError("bad contact ids", "请填写两个联系人编号（数字）。")
    async with UnitOfWork(ctx.runtime.session_factory) as uow:
        await uow.contacts.merge(int(keep), int(drop))
        await uow.commit()


async def contact_link(request: web.Request) -> web.Response:
    """Attach a QQ id, email or phone number to a contact."""
    staff = require_staff(request, Permission.WORK)
    data = await request.post()
    try:
        await link_identity(ctx_of(request), staff, int(request.match_info["id"]),
                            str(data.get("kind", "")), str(data.get("value", "")))
    except DeskError as err:
        return await contacts_page(request, error=err.user_message, status=400)
    raise web.HTTPSeeOther("/console/contacts?done=link")


async def link_identity(ctx: WebContext, staff: Staff, contact_id: int, kind: str,
                        value: str) -> None:
    """Link an identity; one held by another contact must be merged instead."""
    staff.require(Permission.WORK)
    if kind not in {k.value for k in IdentityKind}:
        raise InvalidInputError("bad kind", "请选择联系方式类型：qq、email 或 phone。")
    pairs = SenderIdentity(**{kind: value}).identities()
    if not pairs or len(pairs[0][1]) > 320:
        raise InvalidInputError("bad value", "请填写联系方式。")
    async with UnitOfWork(ctx.runtime.session_factory) as uow:
        contact = await uow.contacts.by_id(contact_id)
        if not await uow.contacts.link(contact, IdentityKind(kind), pairs[0][1]):
            raise InvalidInputError("identity taken",
                                    "该联系方式已属于此联系人或另一联系人；如是同一人，请使用合并。")
        await uow.commit()
