"""Pure parts of the web channel: form validation, uploads, filenames, signing, rate limits."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.domain.messages import ChannelKind
from bot.services.auth import hash_password, verify_password
from bot.web.forms import clean_filename, read_repair, read_uploads, repair_to_inbound
from bot.web.security import RateLimiter, Signer, content_disposition

GOOD = {"name": "张老师", "unit": "教务处", "site": "主页", "phone": "", "email": "a@b.edu.cn",
        "qq": "", "category": "fault", "urgency": "low", "description": "首页打不开了",
        "submission_id": "0" * 32}


def test_valid_form_becomes_inbound_with_email_reply() -> None:
    form = read_repair(GOOD, sites=["主页"])
    assert form.valid
    msg = repair_to_inbound(form, channel=ChannelKind.WEB,
                            received_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    assert msg.external_id == "web:" + "0" * 32 and msg.reply_to.kind is ChannelKind.EMAIL
    assert msg.subject == "【主页】首页打不开了" and msg.urgency == "low" and b"a@b.edu.cn" in (msg.raw or b"")


def test_every_rejection_is_chinese_and_keeps_values() -> None:
    form = read_repair({**GOOD, "email": "", "qq": "12", "category": "x", "site": "别处",
                        "submission_id": "bad"}, sites=["主页"])
    assert set(form.errors) == {"qq", "category", "site", "form"}
    assert form.values()["site"] == "别处"


def test_uploads_and_filenames() -> None:
    ok, error = read_uploads([("a.PNG", b"\x89PNG\r\n\x1a\n..")], allowed=["png"], max_files=2,
                             max_bytes=100)
    assert error is None and ok[0].content_type == "image/png"
    assert read_uploads([("a.png", b"x" * 101)], allowed=["png"], max_files=2,
                        max_bytes=100)[1] is not None
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\x\\报告\x00.pdf") == "报告.pdf"
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf" in content_disposition("报告.pdf")


def test_signer_stamps_and_rate_limiter() -> None:
    signer = Signer(b"k")
    stamp = signer.stamp(1000.0)
    assert signer.stamp_age(stamp, 1005.0) == 5.0
    assert signer.stamp_age("1000.forged", 1005.0) is None
    now = [0.0]
    limiter = RateLimiter(2, 60, now=lambda: now[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    now[0] = 61.0
    assert limiter.allow("a")


def test_scrypt_hashes() -> None:
    stored = hash_password("secret-123")
    assert stored.startswith("scrypt$16384$8$1$") and verify_password("secret-123", stored)
    assert not verify_password("secret-124", stored) and not verify_password("x", "garbage")
