"""End to end against Dovecot and an aiosmtpd sink: intake, acknowledgement, threading, loops."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.email_service import start_email_channel
from storage.mail import MailState

from email_support import DESK_ADDRESS, ID_DOMAIN, RuntimeFactory, SmtpSink, eventually, make_mail
from dovecot import Dovecot
from email_probes import incident_numbers, mails, outbox_count, parse_sent, processed, server_flags

TAG = re.compile(r"^\[工单 (\d{4}-\d{4})\] ")


async def test_new_mail_is_acknowledged_and_the_reply_threads(
        engine: AsyncEngine, database_url: str, make_runtime: RuntimeFactory,
        dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    """New mail → incident → ack in the sink; replying to the ack joins the same incident."""
    runtime = await make_runtime(database_url)
    raw, first_id = make_mail("网站后台无法登录", "老师您好，学院网站后台登录时提示密码错误。")
    dovecot.deliver(raw)
    stop = await start_email_channel(runtime)
    assert stop is not None
    try:
        await eventually(lambda: processed(runtime, 1), what="first mail processed")
        assert (await runtime.delivery.deliver_pending()).sent == 1
        ack = parse_sent(smtp_sink.messages[0])
        match = TAG.match(str(ack["Subject"]))
        assert match, ack["Subject"]
        number = match.group(1)
        assert ack["In-Reply-To"] == f"<{first_id}>"
        assert ack["Auto-Submitted"] == "auto-replied"
        assert ack["X-Auto-Response-Suppress"] == "All" and ack["X-SiteDesk-Loop"]
        assert str(ack["Message-ID"]).endswith(f"@{ID_DOMAIN}>")
        assert ack.get_body(("html",)) is not None and number in ack.get_body(("plain",)).get_content()
        reply, _ = make_mail(f"回复：{ack['Subject']}", "补充：浏览器是 Chrome。\n\n> 原文",
                             in_reply_to=str(ack["Message-ID"]).strip("<>"))
        dovecot.deliver(reply)
        await eventually(lambda: processed(runtime, 2), what="reply processed")
    finally:
        await stop()
    assert await incident_numbers(runtime) == [number]
    assert [m.incident_number for m in await mails(runtime)] == [number, number]
    assert await outbox_count(runtime) == 1  # a follow-up gets no second acknowledgement
    flags = await server_flags(dovecot)
    assert all("$SiteDeskDone" in f and "\\Seen" not in f for f in flags.values()), flags


async def test_automated_mail_gets_no_reply_and_opens_nothing(
        make_runtime: RuntimeFactory, dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    """Auto-reply, list mail and a bounce of our ack: no notice; the bounce joins its incident."""
    runtime = await make_runtime()
    raw, _ = make_mail("打印机驱动", "请帮忙安装打印机驱动。")
    dovecot.deliver(raw)
    stop = await start_email_channel(runtime)
    assert stop is not None
    try:
        await eventually(lambda: processed(runtime, 1), what="first mail")
        await runtime.delivery.deliver_pending()
        ack = parse_sent(smtp_sink.messages[0])
        ack_id = str(ack["Message-ID"]).strip("<>")
        for raw in _automated_mails(ack_id, smtp_sink.messages[0]):
            dovecot.deliver(raw)
        await eventually(lambda: processed(runtime, 5), what="automated mails")
        assert (await runtime.delivery.deliver_pending()).sent == 0
    finally:
        await stop()
    assert len(await incident_numbers(runtime)) == 1
    rows = await mails(runtime)
    number = rows[0].incident_number
    by_subject = {r.id: (r.state, r.incident_number, r.reason) for r in rows}
    assert by_subject[2][:2] == (MailState.PROCESSED, None)  # out-of-office, unthreaded
    assert by_subject[3][:2] == (MailState.PROCESSED, None)  # list mail
    assert by_subject[4][:2] == (MailState.PROCESSED, number)  # bounce of our ack
    assert by_subject[5][0] == MailState.DROPPED  # our own ack came back
    assert len(smtp_sink.messages) == 1


def _automated_mails(ack_id: str, ack_raw: bytes) -> list[bytes]:
    ooo, _ = make_mail("自动回复：您好", "我正在休假。", sender="li.si@school.edu.cn",
                       headers={"Auto-Submitted": "auto-replied"})
    listed, _ = make_mail("【通知】网络中心周报", "本周网络运行正常。", sender="news@school.edu.cn",
                          headers={"List-Id": "<news.school.edu.cn>", "Precedence": "list"})
    bounce = (
        "From: MAILER-DAEMON@school.edu.cn\r\nTo: " + DESK_ADDRESS + "\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@school.edu.cn>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\n邮件无法投递。\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; zhang.san@school.edu.cn\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{ack_id}>\r\nSubject: ack\r\n\r\n--B--\r\n").encode()
    return [ooo, listed, bounce, ack_raw]


async def test_mail_asking_for_no_auto_reply_opens_an_incident_silently(
        make_runtime: RuntimeFactory, dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    """Outlook's X-Auto-Response-Suppress and a person's bulk mail: incident, no ack mail."""
    runtime = await make_runtime()
    suppress, _ = make_mail("网站证书过期", "学院网站提示证书过期。",
                            headers={"X-Auto-Response-Suppress": "OOF, AutoReply"})
    bulk, _ = make_mail("各学院网站巡检问题汇总", "附巡检问题清单。", sender="wang.wu@school.edu.cn",
                        headers={"Auto-Submitted": "no", "Precedence": "bulk"})
    dovecot.deliver(suppress)
    dovecot.deliver(bulk)
    stop = await start_email_channel(runtime)
    assert stop is not None
    try:
        await eventually(lambda: processed(runtime, 2), what="both mails processed")
        assert (await runtime.delivery.deliver_pending()).sent == 0
    finally:
        await stop()
    assert len(await incident_numbers(runtime)) == 2
    assert [(m.state, m.reason) for m in await mails(runtime)] == [
        (MailState.PROCESSED, "no-ack:auto-response-suppress"),
        (MailState.PROCESSED, "no-ack:list-mail:precedence")]
    assert smtp_sink.messages == [] and await outbox_count(runtime) == 0
