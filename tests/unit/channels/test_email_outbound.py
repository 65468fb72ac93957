"""Outgoing mail without a network: headers, subject tag, HTML, our ids, limits, error classes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import aiosmtplib
import pytest
from aiosmtplib.response import SMTPResponse

from bot.channels.base import PermanentDeliveryError, TransientDeliveryError
from bot.channels.email_compose import (
    Sender, build_message, mask_address, tagged_subject, text_to_html,
)
from bot.channels.email_ids import decode_own_message_id, notice_number, own_message_id
from bot.channels.smtp_sender import RateLimiter, SmtpChannel, SmtpConfig, delivery_error
from bot.domain.messages import ChannelKind, NoticeKind, OutboundNotice, ReplyAddress

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
SENDER = Sender("desk@sitedesk.test", "网站群服务台", "desk@sitedesk.test")


def _notice(kind: NoticeKind = NoticeKind.ACKNOWLEDGEMENT, *, html: str | None = None,
            target: str = "zhang@school.edu.cn") -> OutboundNotice:
    return OutboundNotice(kind=kind, address=ReplyAddress(ChannelKind.EMAIL, target,
                                                          thread="abc@school.edu.cn"),
                          text="已收到您的报修，工单号：2026-0001\n查看进度：https://desk/t/x",
                          idempotency_key="ack:2026-0001",
                          subject="[工单 2026-0001] 已收到您的报修：网站打不开", html=html,
                          incident_number="2026-0001")


def test_message_carries_threading_and_loop_headers() -> None:
    msg = build_message(_notice(), sender=SENDER, message_id="sd.x@sitedesk.test",
                        number="2026-0001", now=NOW)
    assert msg["Message-ID"] == "<sd.x@sitedesk.test>"
    assert msg["In-Reply-To"] == msg["References"] == "<abc@school.edu.cn>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-SiteDesk-Loop"] == "desk@sitedesk.test"
    assert msg["Subject"].startswith("[工单 2026-0001]")
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("html",)) is not None


@pytest.mark.parametrize(("kind", "auto"), [(NoticeKind.PROGRESS, "auto-generated"),
                                            (NoticeKind.FEEDBACK_FORM, "auto-generated"),
                                            (NoticeKind.REPLY, None)])
def test_auto_submitted_marks_only_automatic_mail(kind: NoticeKind, auto: str | None) -> None:
    msg = build_message(_notice(kind), sender=SENDER, message_id="m@x", number=None, now=NOW)
    assert msg["Auto-Submitted"] == auto


def test_subject_tag_is_added_once() -> None:
    assert tagged_subject("处理进度", "2026-0007") == "[工单 2026-0007] 处理进度"
    assert tagged_subject("[工单 2026-0007] 处理进度", "2026-0007") == "[工单 2026-0007] 处理进度"
    assert tagged_subject(None, None) == "服务台通知"


def test_text_to_html_escapes_and_links() -> None:
    html = text_to_html("<script>alert(1)</script>\n见 https://desk.example.cn/t/abc")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://desk.example.cn/t/abc">' in html


def test_template_html_is_used_when_present() -> None:
    msg = build_message(_notice(html="<p>模板</p>"), sender=SENDER, message_id="m@x",
                        number=None, now=NOW)
    assert "模板" in msg.get_body(("html",)).get_content()


def test_own_message_ids_are_stable_signed_and_carry_the_number() -> None:
    first = own_message_id("ack:2026-0001", number="2026-0001", domain="sitedesk.test",
                           secret="s3")
    assert first == own_message_id("ack:2026-0001", number="2026-0001",
                                   domain="sitedesk.test", secret="s3")
    assert first != own_message_id("ack:2026-0002", number="2026-0001",
                                   domain="sitedesk.test", secret="s3")
    assert decode_own_message_id(first, domain="sitedesk.test", secret="s3") == "2026-0001"
    assert decode_own_message_id(first, domain="sitedesk.test", secret="other") is None
    forged = first.replace("2026-0001", "2026-0002")
    assert decode_own_message_id(forged, domain="sitedesk.test", secret="s3") is None
    assert decode_own_message_id("abc@school.edu.cn", domain="sitedesk.test") is None


def test_notice_number_from_subject_or_key() -> None:
    assert notice_number(None, "[工单 2026-0042] 进度", "x") == "2026-0042"
    assert notice_number(None, None, "progress:2026-0042:ffff") == "2026-0042"
    assert notice_number(None, "无", "digest") is None


async def test_incident_number_comes_from_the_notice_not_its_subject_or_key() -> None:
    """The outbox keeps OutboundNotice.incident_number; nothing is guessed from the text."""
    channel = SmtpChannel(SmtpConfig(host="127.0.0.1", port=1, tls="plain", sender=SENDER,
                                     id_domain="sitedesk.test"), clock=lambda: NOW)
    sent: list = []

    async def transmit(message: object, recipient: str) -> None:
        sent.append(message)

    channel._transmit = transmit  # type: ignore[method-assign]
    # A digest mentions incidents in its subject and key, but is about none of them.
    digest = OutboundNotice(kind=NoticeKind.DIGEST,
                            address=ReplyAddress(ChannelKind.EMAIL, "desk-team@school.edu.cn"),
                            text="今日待处理：2026-0042", subject="服务台日报（含 2026-0042）",
                            idempotency_key="digest:2026-0042")
    receipt = await channel.send(digest)
    assert sent[-1]["X-SiteDesk-Incident"] is None
    assert sent[-1]["Subject"] == "服务台日报（含 2026-0042）"
    assert decode_own_message_id(receipt.external_id, domain="sitedesk.test") == ""
    # A notice about an incident is tagged from its number even when the subject lacks it.
    progress = OutboundNotice(kind=NoticeKind.PROGRESS,
                              address=ReplyAddress(ChannelKind.EMAIL, "zhang@school.edu.cn"),
                              text="处理中", subject="处理进度", idempotency_key="progress:x",
                              incident_number="2026-0007")
    receipt = await channel.send(progress)
    assert sent[-1]["X-SiteDesk-Incident"] == "2026-0007"
    assert sent[-1]["Subject"] == "[工单 2026-0007] 处理进度"
    assert decode_own_message_id(receipt.external_id, domain="sitedesk.test") == "2026-0007"


def test_rate_limiter_sliding_window() -> None:
    limiter = RateLimiter(timedelta(hours=1), 2)
    limiter.record("a", NOW)
    limiter.record("a", NOW + timedelta(minutes=10))
    assert limiter.wait_time("a", NOW + timedelta(minutes=20)) == timedelta(minutes=40)
    assert limiter.wait_time("a", NOW + timedelta(minutes=61)) is None
    assert limiter.wait_time("b", NOW) is None


async def test_rate_limit_and_own_address_refusals_happen_before_any_connection() -> None:
    config = SmtpConfig(host="127.0.0.1", port=1, tls="plain", sender=SENDER,
                        id_domain="sitedesk.test", rate_per_recipient=1)
    channel = SmtpChannel(config, clock=lambda: NOW)
    channel._per_recipient.record("zhang@school.edu.cn", NOW)
    with pytest.raises(TransientDeliveryError) as caught:
        await channel.send(_notice())
    assert caught.value.retry_after is not None and caught.value.retry_after > timedelta(0)
    with pytest.raises(PermanentDeliveryError):
        await channel.send(_notice(target="desk@sitedesk.test"))
    with pytest.raises(PermanentDeliveryError):
        await channel.send(_notice(target="not-an-address"))


@pytest.mark.parametrize(("error", "permanent"), [
    (aiosmtplib.SMTPResponseException(451, "try later"), False),
    (aiosmtplib.SMTPResponseException(550, "no such user"), True),
    (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), True),
    (aiosmtplib.SMTPConnectError("refused"), False),
    (aiosmtplib.SMTPServerDisconnected("gone"), False),
    (aiosmtplib.SMTPReadTimeoutError("slow"), False),
    (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "x", "a@b")]), True),
    (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(450, "x", "a@b")]), False),
    (ConnectionRefusedError(), False),
])
def test_smtp_errors_are_classified(error: Exception, permanent: bool) -> None:
    result = delivery_error(error)
    assert isinstance(result, PermanentDeliveryError if permanent else TransientDeliveryError)


def test_addresses_are_masked_for_logs() -> None:
    assert mask_address("zhang.san@school.edu.cn") == "zh***@school.edu.cn"
    assert mask_address(None) == "-"


def test_smtp_response_type_is_what_we_expect() -> None:
    assert SMTPResponse(250, "ok").code == 250
