"""Building the outgoing mail of a notice: headers for threading and loop safety, text and HTML (pure)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from bot.domain.messages import NoticeKind, OutboundNotice

LOOP_HEADER = "X-SiteDesk-Loop"
_URL = re.compile(r"(https?://[^\s<>\"'）》，。；]+)")
_TAG = re.compile(r"\[\s*工单\s*(\d{4}-\d{3,6})\s*\]")
# Notices written by a person (a staff reply) are not automatic (RFC 3834 §5); the rest are.
_AUTO_SUBMITTED = {NoticeKind.ACKNOWLEDGEMENT: "auto-replied", NoticeKind.REPLY: None}


@dataclass(frozen=True, slots=True)
class Sender:
    """Who our mail comes from and how its ids are made."""

    address: str
    name: str
    loop_marker: str


def mask_address(address: str | None) -> str:
    """``zh***@example.edu.cn``: enough to tell mails apart in an INFO log, not to harvest."""
    if not address or "@" not in address:
        return "-"
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


def text_to_html(text: str) -> str:
    """A safe HTML rendering of plain text: escaped, paragraphs kept, links clickable."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        lines = [_URL.sub(r'<a href="\1">\1</a>', html.escape(line, quote=True))
                 for line in paragraph.splitlines()]
        rendered.append("<p>" + "<br>\n".join(lines) + "</p>")
    body = "\n".join(rendered)
    return ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"></head>\n'
            '<body style="font-family:\'Microsoft YaHei\',\'PingFang SC\',sans-serif;'
            f'font-size:14px;line-height:1.6">\n{body}\n</body></html>\n')


def tagged_subject(subject: str | None, number: str | None) -> str:
    """The subject with the incident tag ``[工单 2026-0001]`` exactly once."""
    text = " ".join((subject or "服务台通知").split())
    if number and not _TAG.search(text):
        text = f"[工单 {number}] {text}"
    return text


def build_message(notice: OutboundNotice, *, sender: Sender, message_id: str,
                  number: str | None, now: datetime) -> EmailMessage:
    """The complete mail for ``notice``; ``message_id`` comes without angle brackets."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender.name, sender.address))
    msg["To"] = notice.address.target
    msg["Subject"] = tagged_subject(notice.subject, number)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{message_id}>"
    thread = (notice.address.thread or "").strip().strip("<>")
    if thread:
        msg["In-Reply-To"] = f"<{thread}>"
        msg["References"] = f"<{thread}>"
    auto = _AUTO_SUBMITTED.get(notice.kind, "auto-generated")
    if auto:
        msg["Auto-Submitted"] = auto
    msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no OOF/receipts back to us
    msg[LOOP_HEADER] = sender.loop_marker
    msg["X-Loop"] = sender.address
    if number:
        msg["X-SiteDesk-Incident"] = number
    msg.set_content(notice.text, subtype="plain", charset="utf-8")
    msg.add_alternative(notice.html or text_to_html(notice.text), subtype="html", charset="utf-8")
    return msg
