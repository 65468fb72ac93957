"""ParsedEmail → InboundMessage, own-loop detection, FETCH parsing, backoff, settings (pure)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.email_ids import own_message_id
from bot.channels.email_imap import parse_fetch
from bot.channels.email_intake import MailIdentity, mail_to_inbound, own_loop_reason, thread_ids
from bot.channels.email_parse import parse_email
from bot.channels.imap_receiver import backoff_delay
from config.email_settings import EmailSettings
from config.settings import ConfigError, load_settings
from storage.mail import MailState, StoredMail, mail_keys

IDENTITY = MailIdentity(own_addresses=frozenset({"desk@sitedesk.test"}),
                        id_domain="sitedesk.test")
AT = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def _mail(raw: bytes) -> StoredMail:
    return StoredMail(id=1, mailbox="INBOX", uidvalidity=1, uid=1, message_id=None,
                      sha256="ab" * 32, size=len(raw), state=MailState.STORED, reason=None,
                      error=None, incident_number=None, attempts=0, received_at=AT,
                      processed_at=None, raw=raw)


def _inbound(raw: bytes):  # type: ignore[no-untyped-def]
    return mail_to_inbound(parse_email(raw), mail=_mail(raw), identity=IDENTITY)


def test_first_mail_keeps_full_text_and_answers_to_its_message_id(
        load_eml: Callable[[str], bytes]) -> None:
    raw = load_eml("plain__gbk_labelled_utf8")
    msg = _inbound(raw)
    parsed = parse_email(raw)
    assert msg.reply_to.thread == parsed.message_id == msg.external_id
    assert msg.reply_to.target == parsed.from_address
    assert msg.text == parsed.full_text.strip() and not msg.automated


def test_reply_keeps_only_new_text_and_threads_newest_first(
        load_eml: Callable[[str], bytes]) -> None:
    raw = load_eml("reply__qq_mail")
    parsed = parse_email(raw)
    msg = _inbound(raw)
    assert msg.text == parsed.new_text.strip()
    assert msg.thread_keys[0] == (parsed.in_reply_to or parsed.references[-1])


def test_subject_tag_becomes_the_incident_number(load_eml: Callable[[str], bytes]) -> None:
    raw = load_eml("tag__subject_variants")
    assert _inbound(raw).incident_number == parse_email(raw).incident_tags[0]


def test_reply_to_our_signed_id_names_the_incident() -> None:
    ours = own_message_id("ack:2026-0009", number="2026-0009", domain="sitedesk.test")
    raw = (f"From: a@school.edu.cn\r\nSubject: Re: hi\r\nMessage-ID: <r1@school.edu.cn>\r\n"
           f"In-Reply-To: <{ours}>\r\n\r\n好的\r\n").encode()
    msg = _inbound(raw)
    assert msg.incident_number == "2026-0009" and msg.thread_keys == (ours,)


@pytest.mark.parametrize("name", ["bounce__dsn_rfc822", "receipt__mdn", "autoreply__exchange_en",
                                  "list__mailing_list", "automated__noreply_sender"])
def test_automated_mail_is_flagged(load_eml: Callable[[str], bytes], name: str) -> None:
    msg = _inbound(load_eml(name))
    assert msg.automated


def test_bounce_threads_by_the_original_message_id(load_eml: Callable[[str], bytes]) -> None:
    raw = load_eml("bounce__dsn_rfc822")
    parsed = parse_email(raw)
    msg = _inbound(raw)
    assert parsed.original_message_id and msg.thread_keys[0] == parsed.original_message_id
    assert msg.text.startswith("【退信】")


def test_own_mail_coming_back_is_recognised(load_eml: Callable[[str], bytes]) -> None:
    assert own_loop_reason(parse_email(load_eml("loop__own_mail")), IDENTITY) is not None
    assert own_loop_reason(parse_email(load_eml("reply__qq_mail")), IDENTITY) is None
    raw = b"From: desk@sitedesk.test\r\nSubject: x\r\n\r\nx\r\n"
    assert own_loop_reason(parse_email(raw), IDENTITY) == "own-address"


def test_mail_without_message_id_is_keyed_by_hash() -> None:
    raw = b"From: a@school.edu.cn\r\nSubject: x\r\n\r\nbody\r\n"
    assert _inbound(raw).external_id == "sha256:" + "ab" * 32
    assert thread_ids(parse_email(raw)) == ()


def test_mail_keys_cover_server_position_message_id_and_hash() -> None:
    keys = mail_keys(b"x", mailbox="INBOX", uidvalidity=7, uid=3, message_id="m@x")
    assert keys[0].startswith("sha:") and "mid:m@x" in keys and "uid:INBOX:7:3" in keys


def test_fetch_answer_is_split_by_uid_on_either_side_of_the_literal() -> None:
    lines = [b"1 FETCH (UID 5 BODY[] {3}", bytearray(b"abc"), b")",
             b"2 FETCH (BODY[] {2}", bytearray(b"de"), b" UID 9)", b"Fetch completed."]
    assert parse_fetch(lines) == {5: b"abc", 9: b"de"}


def test_backoff_doubles_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, initial=timedelta(seconds=1), cap=timedelta(seconds=300),
                            rng=rng) for n in range(1, 15)]
    assert delays[0] <= 1 and max(delays) <= 300 and delays[-1] >= 150


def test_settings_read_secrets_from_the_environment() -> None:
    settings = load_settings(environ={"DESK_EMAIL__IMAP_HOST": "imap.school.edu.cn",
                                      "DESK_EMAIL__USER": "desk@school.edu.cn",
                                      "DESK_EMAIL__PASSWORD": "pw"}).email
    assert settings.enabled and settings.password.get_secret_value() == "pw"
    assert "pw" not in repr(settings)
    assert settings.id_domain == "school.edu.cn"
    assert settings.our_addresses() == {"desk@school.edu.cn"}
    assert not EmailSettings().enabled


def test_settings_reject_an_incomplete_mailbox() -> None:
    with pytest.raises(ConfigError):
        load_settings(environ={"DESK_EMAIL__IMAP_HOST": "imap.school.edu.cn"})


def test_settings_failure_budget_and_no_unused_staff_notify() -> None:
    settings = load_settings(environ={"DESK_EMAIL__MAX_PROCESSING_FAILURES": "3"}).email
    assert settings.max_processing_failures == 3 and EmailSettings().max_processing_failures == 5
    with pytest.raises(ValueError):
        EmailSettings(max_processing_failures=0)
    with pytest.raises(ValueError):  # removed: the desk mailbox is [notify] desk_email
        EmailSettings(staff_notify=["a@school.edu.cn"])  # type: ignore[call-arg]
