"""Tests for parsing and formatting configured durations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.domain.duration import Duration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "amount", "working"),
    [
        ("30s", timedelta(seconds=30), False),
        ("15m", timedelta(minutes=15), False),
        ("4h", timedelta(hours=4), False),
        ("2d", timedelta(days=2), False),
        ("2wd", timedelta(days=2), True),
        ("0.5wd", timedelta(hours=12), True),
        ("1.5h", timedelta(minutes=90), False),
        ("0.25s", timedelta(milliseconds=250), False),
        ("90", timedelta(seconds=90), False),
        ("0", timedelta(0), False),
        ("  2WD ", timedelta(days=2), True),
        ("4 h", timedelta(hours=4), False),
        (45, timedelta(seconds=45), False),
    ],
)
def test_parse_duration_accepts(text: str | int, amount: timedelta, working: bool) -> None:
    assert parse_duration(text) == Duration(amount, working)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "wd",
        "2w",
        "2 days",
        "-1h",
        "1,5h",
        "1.5",
        "h2",
        "2wdd",
        "1e3s",
        "0.0000001s",
        "nan",
        True,
        -5,
        None,
        1.5,
    ],
)
def test_parse_duration_rejects_with_bilingual_message(text: object) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_duration(text)  # type: ignore[arg-type]
    message = str(excinfo.value)
    assert "时长" in message
    assert "duration" in message


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(timedelta(seconds=30)), "30s"),
        (Duration(timedelta(minutes=15)), "15m"),
        (Duration(timedelta(minutes=90)), "90m"),
        (Duration(timedelta(hours=4)), "4h"),
        (Duration(timedelta(days=2)), "2d"),
        (Duration(timedelta(0)), "0s"),
        (Duration(timedelta(milliseconds=1500)), "1.5s"),
        (Duration(timedelta(days=2), working=True), "2wd"),
        (Duration(timedelta(days=20), working=True), "20wd"),
        (Duration(timedelta(hours=12), working=True), "0.5wd"),
        (Duration(timedelta(hours=6), working=True), "0.25wd"),
    ],
)
def test_format_duration_is_canonical(duration: Duration, text: str) -> None:
    assert format_duration(duration) == text
    assert str(duration) == text
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    "text", ["30s", "1.5h", "2d", "0.5wd", "3wd", "36h", "1440m", "0.001s", "7", "2.75wd"]
)
def test_round_trip(text: str) -> None:
    duration = parse_duration(text)
    assert parse_duration(format_duration(duration)) == duration


def test_working_days_constructor_and_count() -> None:
    assert Duration.working_days(3) == parse_duration("3wd")
    assert Duration.working_days("0.5").day_count == Decimal("0.5")
    assert parse_duration("2.75wd").day_count == Decimal("2.75")


def test_negative_amount_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        Duration(timedelta(seconds=-1))


def test_wall_day_differs_from_working_day() -> None:
    assert parse_duration("2d") != parse_duration("2wd")
