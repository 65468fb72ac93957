"""parse_email never raises anything but MailParseError: seeded mangling of every fixture, public samples."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.channels.email_parse import MailParseError, ParsedEmail, parse_email

FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "email").glob("*.eml"))
SAMPLES_DIR = Path(__file__).resolve().parents[4] / "shared" / "email-samples"
SAMPLES = sorted(SAMPLES_DIR.glob("msg_*.txt"))
MUTATIONS_PER_FIXTURE = 40


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    """One random corruption: truncate, flip bytes, drop or duplicate a slice, or splice in junk."""
    if not raw:
        return raw
    kind = rng.randrange(6)
    pos = rng.randrange(len(raw))
    if kind == 0:
        return raw[:pos]
    if kind == 1:
        data = bytearray(raw)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 2:
        return raw[:pos] + raw[pos + rng.randint(1, 400):]
    if kind == 3:
        chunk = raw[pos:pos + rng.randint(1, 300)]
        return raw[:pos] + chunk * rng.randint(2, 5) + raw[pos:]
    if kind == 4:
        junk = rng.choice([b"=?", b"?=", b"\r\n--", b"\r\n\r\n", b'"', b"\xff\xfe", b"=?gbk?B?", b"*0*="])
        return raw[:pos] + junk * rng.randint(1, 4) + raw[pos:]
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64))) + raw[pos:]


def _check(raw: bytes) -> None:
    try:
        parsed = parse_email(raw, max_attachment_bytes=1024)
    except MailParseError as err:
        assert err.__cause__ is None, "MailParseError must not hide an internal failure"
        return
    assert isinstance(parsed, ParsedEmail)
    assert isinstance(parsed.new_text, str) and isinstance(parsed.full_text, str)
    assert all(att.safe_name and "/" not in att.safe_name for att in parsed.attachments)
    if parsed.full_text.strip():
        assert parsed.new_text.strip()


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_mangled_fixture_never_crashes(path: Path) -> None:
    raw = path.read_bytes()
    rng = random.Random(f"sitedesk-email-fuzz:{path.name}")
    for _ in range(MUTATIONS_PER_FIXTURE):
        _check(_mutate(raw, rng))


@pytest.mark.skipif(not SAMPLES, reason="public samples (../shared/email-samples) not present")
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_public_sample_parses(path: Path) -> None:
    parsed = parse_email(path.read_bytes())
    assert isinstance(parsed, ParsedEmail)
    rng = random.Random(f"sitedesk-sample-fuzz:{path.name}")
    for _ in range(MUTATIONS_PER_FIXTURE):
        _check(_mutate(path.read_bytes(), rng))


@pytest.mark.skipif(not SAMPLES, reason="public samples not present")
def test_public_bounces_are_recognised() -> None:
    flags = {p.stem: parse_email(p.read_bytes()) for p in SAMPLES}
    assert {name for name, parsed in flags.items() if parsed.is_bounce} == {"msg_05", "msg_16", "msg_25", "msg_43"}
    assert flags["msg_16"].original_message_id == "002001c144a6$8752e060$56104586@oxy.edu"
    assert flags["msg_25"].original_message_id == "01040616033903.00962@server"  # broken multipart/report
    assert flags["msg_41"].new_text == "Blah blah blah"  # no boundary: read as text/plain
