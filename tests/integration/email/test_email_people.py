"""Who may continue an incident by mail: staff replies are relayed, Cc may use the tag, strangers not."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.channels.email_service import (
    build_email_intake, imap_config, quarantined_mails, reprocess, smtp_config,
)
from bot.channels.imap_receiver import ImapReceiver
from bot.channels.smtp_sender import SmtpChannel
from bot.domain.staff import Role, Staff
from bot.runtime import Runtime
from storage.mail import MailState
from storage.unit_of_work import UnitOfWork

from email_support import RuntimeFactory, SmtpSink, make_mail
from dovecot import Dovecot
from email_probes import incident_numbers, mails, parse_sent, server_flags

REQUESTER = "zhang.san@school.edu.cn"


async def _receive(runtime: Runtime) -> None:
    await ImapReceiver(imap_config(runtime.settings.email), build_email_intake(runtime)).run_once()


async def _open_incident(runtime: Runtime, dovecot: Dovecot, smtp_sink: SmtpSink, *,
                         cc: str | None = None) -> tuple[str, str]:
    """One incident opened by mail; returns its number and our ack's Message-ID."""
    runtime.registry.register(SmtpChannel(smtp_config(runtime.settings.email)))
    raw, _ = make_mail("新闻栏目无法发布", "点击发布后一直转圈。", cc=cc)
    dovecot.deliver(raw)
    await _receive(runtime)
    await runtime.delivery.deliver_pending()
    ack = parse_sent(smtp_sink.messages[-1])
    return (await incident_numbers(runtime))[0], str(ack["Message-ID"]).strip("<>")


async def test_staff_reply_by_mail_is_relayed_to_the_requester(
        make_runtime: RuntimeFactory, dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    runtime = await make_runtime()
    async with UnitOfWork(runtime.session_factory) as uow:
        await uow.staff.add(Staff("liwei", "李工", Role.ENGINEER, email="li.wei@vendor.cn"),
                            now=datetime.now(timezone.utc))
        await uow.commit()
    number, ack_id = await _open_incident(runtime, dovecot, smtp_sink)
    reply, _ = make_mail(f"Re: [工单 {number}] 已收到", "已定位问题，今晚 20:00 修复。\n\n> 原文",
                         sender="li.wei@vendor.cn", sender_name="李工", in_reply_to=ack_id)
    dovecot.deliver(reply)
    await _receive(runtime)
    assert (await runtime.delivery.deliver_pending()).sent == 1
    relayed = parse_sent(smtp_sink.messages[-1])
    assert relayed["To"] == REQUESTER
    assert "今晚 20:00 修复" in relayed.get_body(("plain",)).get_content()
    assert [m.reason for m in await mails(runtime)][-1] == "staff-reply"
    async with UnitOfWork(runtime.session_factory) as uow:
        incident = await uow.incidents.by_number(number)
        assert incident.id is not None
        stored = await uow.messages.for_incident(incident.id)
    assert [(m.direction, m.author) for m in stored] == [("in", "张三"), ("out", "李工")]
    assert await incident_numbers(runtime) == [number]


async def test_subject_tag_is_accepted_from_cc_but_not_from_a_stranger(
        make_runtime: RuntimeFactory, dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    runtime = await make_runtime()
    number, _ = await _open_incident(runtime, dovecot, smtp_sink, cc="wang.wu@school.edu.cn")
    from_cc, _ = make_mail(f"[工单 {number}] 补充截图", "我是王五，补充一下。",
                           sender="wang.wu@school.edu.cn", sender_name="王五")
    stranger, _ = make_mail(f"[工单 {number}] 我也有问题", "请处理。",
                            sender="evil@elsewhere.cn", sender_name="路人")
    dovecot.deliver(from_cc)
    dovecot.deliver(stranger)
    await _receive(runtime)
    rows = await mails(runtime)
    assert rows[1].incident_number == number
    assert rows[2].incident_number not in (None, number)
    assert len(await incident_numbers(runtime)) == 2


async def test_unparseable_mail_is_quarantined_visible_and_reprocessable(
        make_runtime: RuntimeFactory, dovecot: Dovecot) -> None:
    runtime = await make_runtime(MARK_MODE="move")
    dovecot.deliver(b"\r\n\r\n")
    await _receive(runtime)
    listed = await quarantined_mails(runtime)
    assert [m.state for m in listed] == [MailState.QUARANTINED] and listed[0].raw == b"\r\n\r\n"
    assert await server_flags(dovecot) == {}  # moved out of the INBOX ...
    assert len(await server_flags(dovecot, "Failed")) == 1  # ... into the quarantine folder
    assert await reprocess(runtime, listed[0].id) is MailState.QUARANTINED
    assert len(await quarantined_mails(runtime)) == 1
