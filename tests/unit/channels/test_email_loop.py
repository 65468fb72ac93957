"""Loop-safety flags, bounces, read receipts and original Message-IDs from fixtures (notes/email.md §3.6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.channels.email_parse import parse_email

Loader = Callable[[str], bytes]

# fixture -> (is_automated, first reason, all reasons)
AUTOMATED: dict[str, tuple[str, ...]] = {
    "bounce__dsn_rfc822": ("auto-submitted", "null-return-path", "system-sender", "multipart-report", "bounce"),
    "bounce__dsn_headers_only": ("null-return-path", "system-sender", "multipart-report", "bounce"),
    "bounce__qq_plain_chinese": ("system-sender", "bounce"),
    "receipt__mdn": ("multipart-report", "read-receipt"),
    "autoreply__out_of_office_zh": ("auto-submitted", "autoreply-header", "null-return-path", "out-of-office"),
    "autoreply__exchange_en": ("autoreply-header", "out-of-office"),
    "autoreply__subject_only": ("out-of-office",),
    "list__mailing_list": ("precedence", "list-header"),
    "automated__noreply_sender": ("system-sender",),
    "loop__own_mail": ("own-loop", "auto-submitted"),
}
HUMAN = [
    "plain__gbk_labelled_utf8", "reply__qq_mail", "reply__outlook_zh", "reply__gmail_zh", "reply__iphone",
    "tag__subject_variants", "html__only_gbk_meta", "attachment__rfc2231",
]


@pytest.mark.parametrize("name", sorted(AUTOMATED))
def test_automated_reasons(name: str, load_eml: Loader) -> None:
    parsed = parse_email(load_eml(name))
    assert parsed.is_automated
    assert parsed.automated_reasons == AUTOMATED[name]
    assert parsed.automated_reason == AUTOMATED[name][0]


@pytest.mark.parametrize("name", HUMAN)
def test_human_mail_is_not_automated(name: str, load_eml: Loader) -> None:
    parsed = parse_email(load_eml(name))
    assert (parsed.is_automated, parsed.automated_reason, parsed.is_bounce, parsed.is_read_receipt) == (
        False, None, False, False)
    assert parsed.original_message_id is None


def test_outlook_suppress_header_alone_is_not_automated(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("reply__outlook_zh"))
    assert parsed.auto_response_suppress == "All"
    assert not parsed.is_automated


@pytest.mark.parametrize(("name", "original"), [
    ("bounce__dsn_rfc822", "svc.42.9.q7r8.deadbeef@sitedesk.example.cn"),
    ("bounce__dsn_headers_only", "svc.42.9.q7r8.deadbeef@sitedesk.example.cn"),
    ("bounce__qq_plain_chinese", "svc.42.11.z9.cafebabe@sitedesk.example.cn"),
])
def test_bounce_original_message_id(name: str, original: str, load_eml: Loader) -> None:
    parsed = parse_email(load_eml(name))
    assert (parsed.is_bounce, parsed.is_read_receipt, parsed.original_message_id) == (True, False, original)


def test_read_receipt_is_not_a_bounce(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("receipt__mdn"))
    assert (parsed.is_read_receipt, parsed.is_bounce) == (True, False)
    assert parsed.original_message_id == "svc.42.12.k3.feedface@sitedesk.example.cn"


def test_loop_marker_and_headers(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("loop__own_mail"))
    assert parsed.loop_marker == "service@sitedesk.example.cn"
    assert parsed.auto_submitted == "auto-generated"
    assert parse_email(load_eml("list__mailing_list")).precedence == "list"


def test_custom_loop_header_and_own_domain(load_eml: Loader) -> None:
    raw = load_eml("loop__own_mail")
    parsed = parse_email(raw, loop_header="X-Other-Loop", own_domains={"SiteDesk.example.cn"})
    assert parsed.loop_marker is None
    assert parsed.automated_reasons == ("own-message-id", "auto-submitted")


@pytest.mark.parametrize(("header", "reason"), [
    (b"Auto-Submitted: auto-generated (failure)", "auto-submitted"),
    (b"Precedence: bulk", "precedence"),
    (b"X-Precedence: junk", "precedence"),
    (b"List-Post: <mailto:l@lists.example.cn>", "list-header"),
    (b"Return-Path: <>", "null-return-path"),
    (b"Return-Path: < >", "null-return-path"),
    (b"X-Autorespond: yes", "autoreply-header"),
    (b"X-Autoreply: yes", "autoreply-header"),
    (b"X-SiteDesk-Loop: desk", "own-loop"),
])
def test_single_header_rules(header: bytes, reason: str) -> None:
    raw = b"From: a@example.edu.cn\r\nSubject: hi\r\n" + header + b"\r\n\r\nbody\r\n"
    assert parse_email(raw).automated_reasons == (reason,)


@pytest.mark.parametrize("header", [b"Auto-Submitted: no", b"Precedence: normal", b"X-Auto-Response-Suppress: All"])
def test_headers_that_do_not_mark_automated(header: bytes) -> None:
    raw = b"From: a@example.edu.cn\r\nSubject: hi\r\n" + header + b"\r\n\r\nbody\r\n"
    assert not parse_email(raw).is_automated


def _with(*headers: bytes, sender: bytes = b"a@example.edu.cn") -> bytes:
    return (b"From: " + sender + b"\r\nSubject: hi\r\n" + b"".join(h + b"\r\n" for h in headers)
            + b"\r\nbody\r\n")


@pytest.mark.parametrize(("headers", "automated", "no_ack"), [
    # X-Auto-Response-Suppress asks us not to auto-reply; the mail is still a person's (§3.5).
    ((b"X-Auto-Response-Suppress: All",), False, "auto-response-suppress"),
    ((b"X-Auto-Response-Suppress: OOF, AutoReply",), False, "auto-response-suppress"),
    ((b"X-Auto-Response-Suppress: oof",), False, "auto-response-suppress"),
    ((b"X-Auto-Response-Suppress: DR, RN, NRN",), False, None),  # receipts only: we ack
    ((b"X-Auto-Response-Suppress: None",), False, None),
    # Auto-Submitted: no from a person, sent through a bulk or list path: opens, no ack.
    ((b"Auto-Submitted: no", b"Precedence: bulk"), False, "list-mail:precedence"),
    ((b"Auto-Submitted: No (human)", b"List-Id: <staff.school.edu.cn>", b"Precedence: list"),
     False, "list-mail:precedence,list-header"),
    # Without the explicit "no", list and bulk mail stays automated (newsletters open nothing).
    ((b"Precedence: bulk",), True, None),
    ((b"Auto-Submitted: auto-generated", b"Precedence: bulk"), True, None),
    # "no" does not outweigh a real machine signal.
    ((b"Auto-Submitted: no", b"Precedence: auto_reply"), True, None),
    ((b"Auto-Submitted: no", b"Precedence: bulk", b"Return-Path: <>"), True, None),
    ((b"Auto-Submitted: no", b"X-Autoreply: yes"), True, None),
])
def test_acknowledgement_policy(headers: tuple[bytes, ...], automated: bool,
                                no_ack: str | None) -> None:
    parsed = parse_email(_with(*headers))
    assert (parsed.is_automated, parsed.no_ack_reason) == (automated, no_ack)


def test_declared_human_from_a_system_sender_stays_automated() -> None:
    parsed = parse_email(_with(b"Auto-Submitted: no", b"Precedence: bulk", sender=b"noreply@x.cn"))
    assert parsed.is_automated and parsed.no_ack_reason is None


@pytest.mark.parametrize(("sender", "subject", "reason"), [
    ("postmaster@example.edu.cn", "hi", "system-sender"),
    ("no-reply@example.edu.cn", "hi", "system-sender"),
    ("a@example.edu.cn", "Out of Office: back Monday", "out-of-office"),
    ("a@example.edu.cn", "自动答复：网站问题", "out-of-office"),
    ("a@example.edu.cn", "休假：12月1日至7日", "out-of-office"),
])
def test_sender_and_subject_rules(sender: str, subject: str, reason: str) -> None:
    raw = f"From: {sender}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
    assert reason in parse_email(raw).automated_reasons


@pytest.mark.parametrize("subject", ["休假期间网站维护安排", "Re: 关于自动回复功能的问题", "Reply needed"])
def test_ordinary_subjects_are_not_out_of_office(subject: str) -> None:
    raw = f"From: a@example.edu.cn\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
    assert not parse_email(raw).is_automated
