"""Tests for the duty calendar: working days, duty windows and duty-time arithmetic."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.duration import parse_duration
from bot.domain.duty_calendar import DutyCalendar, OfficialDays, YearSource

CN = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")


def cn(text: str) -> datetime:
    """``"2026-10-19 09:00"`` read as +08:00, the way the contract writes times."""
    return datetime.fromisoformat(text).replace(tzinfo=CN)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 10, 11), False),
        (date(2026, 9, 20), True),  # make-up Sunday
        (date(2026, 9, 25), False),  # Mid-Autumn, a Friday
        (date(2026, 2, 14), True),  # Spring Festival make-up Saturday
        (date(2026, 10, 12), True),
        (date(2027, 1, 1), False),  # estimated: fixed New Year's Day
        (date(2027, 1, 4), True),
        (date(2027, 5, 3), True),  # estimated: only May 1–2 are fixed
        (date(2027, 10, 1), False),
        (date(2027, 10, 4), True),  # estimated: only Oct 1–3 are fixed
        (date(2100, 1, 1), False),
        (date(1990, 5, 1), False),
        (date(1990, 5, 3), True),
    ],
)
def test_is_working_day(calendar: DutyCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("year", "source"),
    [
        (1990, "estimated"),
        (2003, "estimated"),
        (2004, "official"),
        (2026, "official"),
        (2027, "estimated"),
        (2100, "estimated"),
    ],
)
def test_year_source(calendar: DutyCalendar, year: int, source: str) -> None:
    assert calendar.year_source(year) == source
    assert isinstance(calendar.year_source(year), YearSource)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 10, 1), "国庆节"),
        (date(2026, 10, 8), None),
        (date(2027, 5, 2), "劳动节"),
        (date(2027, 5, 3), None),
    ],
)
def test_holiday_name(calendar: DutyCalendar, day: date, name: str | None) -> None:
    assert calendar.holiday_name(day) == name


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (cn("2026-10-17 20:00"), cn("2026-10-19 09:00")),  # Saturday evening
        (cn("2026-10-19 08:59"), cn("2026-10-19 09:00")),
        (cn("2026-10-19 09:00"), cn("2026-10-19 09:00")),
        (cn("2026-10-19 16:59:59"), cn("2026-10-19 16:59:59")),
        (cn("2026-10-16 17:00"), cn("2026-10-19 09:00")),  # Friday at duty end
        (cn("2026-10-09 17:00"), cn("2026-10-10 09:00")),  # into the make-up Saturday
        (cn("2026-09-30 17:30"), cn("2026-10-08 09:00")),  # over National Day
        (datetime(2026, 10, 19, 2, tzinfo=UTC), cn("2026-10-19 10:00")),  # UTC input
    ],
)
def test_next_duty_start(calendar: DutyCalendar, at: datetime, expected: datetime) -> None:
    result = calendar.next_duty_start(at)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "work", "expected"),
    [
        (cn("2026-10-19 09:00"), timedelta(hours=8), cn("2026-10-19 17:00")),  # ends at duty end
        (cn("2026-10-19 08:59"), timedelta(hours=1), cn("2026-10-19 10:00")),
        (cn("2026-10-16 17:00"), timedelta(hours=1), cn("2026-10-19 10:00")),
        (cn("2026-10-16 16:30"), timedelta(hours=1), cn("2026-10-19 09:30")),
        (cn("2026-10-19 10:00"), timedelta(0), cn("2026-10-19 10:00")),
        (cn("2026-10-17 20:00"), timedelta(0), cn("2026-10-17 20:00")),
        (cn("2026-09-30 16:00"), timedelta(hours=16), cn("2026-10-09 16:00")),
        (cn("2026-10-09 10:00"), timedelta(hours=24), cn("2026-10-13 10:00")),
        (cn("2026-10-19 10:00"), timedelta(hours=-2), cn("2026-10-16 16:00")),  # backwards
        (cn("2026-10-08 09:30"), timedelta(hours=-1), cn("2026-09-30 16:30")),
        (cn("2026-10-17 12:00"), timedelta(hours=-8), cn("2026-10-16 09:00")),
    ],
)
def test_add_working_time(
    calendar: DutyCalendar, start: datetime, work: timedelta, expected: datetime
) -> None:
    result = calendar.add_working_time(start, work)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (cn("2026-10-16 16:00"), cn("2026-10-19 10:00"), timedelta(hours=2)),
        (cn("2026-10-17 00:00"), cn("2026-10-18 23:00"), timedelta(0)),
        (cn("2026-10-19 10:00"), cn("2026-10-16 16:00"), timedelta(hours=-2)),
        (cn("2026-09-30 00:00"), cn("2026-10-09 00:00"), timedelta(hours=16)),
        (cn("2026-10-09 00:00"), cn("2026-10-12 00:00"), timedelta(hours=16)),  # Fri + make-up Sat
        (cn("2026-10-19 12:00"), cn("2026-10-19 12:00"), timedelta(0)),
        (cn("2026-10-19 12:00:00"), cn("2026-10-19 12:00:01"), timedelta(seconds=1)),
    ],
)
def test_working_time_between(
    calendar: DutyCalendar, a: datetime, b: datetime, expected: timedelta
) -> None:
    assert calendar.working_time_between(a, b) == expected


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (
            cn("2026-10-17 20:00"),
            "2d",
            cn("2026-10-19 20:00"),
        ),  # wall-clock days ignore the calendar
        (cn("2026-10-18 03:00"), "15m", cn("2026-10-18 03:15")),
        (cn("2026-10-19 15:00"), "0.5wd", cn("2026-10-20 11:00")),
        (cn("2026-10-19 15:00"), "4h", cn("2026-10-19 19:00")),
        (cn("2026-10-17 20:00"), "2wd", cn("2026-10-20 17:00")),
        (cn("2026-10-17 20:00"), "0wd", cn("2026-10-17 20:00")),
    ],
)
def test_add_duration(
    calendar: DutyCalendar, start: datetime, duration: str, expected: datetime
) -> None:
    assert calendar.add(start, parse_duration(duration)) == expected


def test_duty_length_and_working_amount(official_days: OfficialDays) -> None:
    default = DutyCalendar(official_days)
    long_day = DutyCalendar(official_days, duty_start=time(8, 30), duty_end=time(17, 30))
    assert default.duty_length == timedelta(hours=8)
    assert long_day.duty_length == timedelta(hours=9)
    assert default.working_amount(parse_duration("2wd")) == timedelta(hours=16)
    assert long_day.working_amount(parse_duration("0.5wd")) == timedelta(hours=4, minutes=30)
    with pytest.raises(ValueError, match="wall-clock"):
        default.working_amount(parse_duration("2d"))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (cn("2026-10-17 20:00"), "2wd", cn("2026-10-20 17:30")),
        (cn("2026-10-19 08:00"), "2wd", cn("2026-10-20 17:30")),
        (cn("2026-10-19 12:00"), "1wd", cn("2026-10-20 12:00")),
        (cn("2026-10-19 17:15"), "1wd", cn("2026-10-20 17:15")),
    ],
)
def test_configurable_duty_window(
    official_days: OfficialDays, start: datetime, days: str, expected: datetime
) -> None:
    long_day = DutyCalendar(official_days, duty_start=time(8, 30), duty_end=time(17, 30))
    assert long_day.add(start, parse_duration(days)) == expected


def test_hand_made_days_drive_the_calendar(october_days: OfficialDays) -> None:
    cal = DutyCalendar(october_days)
    assert cal.add(cn("2026-09-30 16:00"), parse_duration("2wd")) == cn("2026-10-09 16:00")
    assert cal.is_working_day(date(2026, 10, 10))
    # The hand-made data has no Mid-Autumn entry, and 2026 is covered, so Sep 25 is a workday.
    assert cal.is_working_day(date(2026, 9, 25))


@pytest.mark.parametrize("year", [1990, 2100, 1, 9998])
def test_years_outside_the_data_do_not_crash(calendar: DutyCalendar, year: int) -> None:
    start = datetime(year, 10, 1, 10, tzinfo=SHANGHAI)
    due = calendar.add(start, parse_duration("5wd"))
    assert due > start
    assert calendar.working_time_between(start, due) == timedelta(hours=40)
    assert calendar.year_source(year) == "estimated"


def test_1990_fixed_holidays_and_dst(calendar: DutyCalendar) -> None:
    # 1990-10-01 is a Monday; Oct 1–3 are the estimate's fixed holidays.
    assert calendar.add(
        datetime(1990, 10, 1, 10, tzinfo=SHANGHAI), parse_duration("5wd")
    ) == datetime(1990, 10, 10, 17, tzinfo=SHANGHAI)
    # China observed DST in 1990 (UTC+9 in summer); the duty window follows local wall time.
    monday = datetime(1990, 7, 2, 9, tzinfo=SHANGHAI)
    assert calendar.next_duty_start(datetime(1990, 7, 2, 0, tzinfo=UTC)) == monday
    assert monday.utcoffset() == timedelta(hours=9)


def test_end_of_time_is_a_value_error(calendar: DutyCalendar) -> None:
    with pytest.raises(ValueError, match="out of range"):
        calendar.add_working_time(datetime(9999, 12, 31, 10, tzinfo=UTC), timedelta(hours=40))


def test_no_working_day_is_a_clear_error() -> None:
    # Every weekday of 2026–2036 declared a holiday: the scan must stop, not run to date.max.
    first, last = date(2026, 1, 1), date(2036, 12, 31)
    holidays = {first + timedelta(days=n): "假" for n in range((last - first).days + 1)}
    cal = DutyCalendar(
        OfficialDays(holidays=holidays, years={y: "override" for y in range(2026, 2037)})
    )
    with pytest.raises(ValueError, match="no working day"):
        cal.add_working_time(cn("2026-01-01 10:00"), timedelta(hours=1))
    with pytest.raises(ValueError, match="no working day"):
        cal.next_duty_start(cn("2026-01-01 10:00"))


def test_adding_working_days_scans_days_not_minutes(official_days: OfficialDays) -> None:
    class CountingCalendar(DutyCalendar):
        calls = 0

        def is_working_day(self, day: date) -> bool:
            CountingCalendar.calls += 1
            return super().is_working_day(day)

    cal = CountingCalendar(official_days)
    assert cal.add(cn("2026-09-30 16:00"), parse_duration("5wd")) == cn("2026-10-13 16:00")
    assert CountingCalendar.calls < 30


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.next_duty_start(datetime(2026, 10, 19, 9)),
        lambda c: c.add_working_time(datetime(2026, 10, 19, 9), timedelta(hours=1)),
        lambda c: c.working_time_between(datetime(2026, 10, 19, 9), cn("2026-10-20 00:00")),
        lambda c: c.working_time_between(cn("2026-10-19 00:00"), datetime(2026, 10, 20, 9)),
        lambda c: c.add(datetime(2026, 10, 19, 9), parse_duration("15m")),
    ],
)
def test_naive_datetimes_are_rejected(calendar: DutyCalendar, call: object) -> None:
    with pytest.raises(ValueError, match="aware"):
        call(calendar)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("start", "end", "match"),
    [
        (time(17), time(9), "after"),
        (time(9), time(9), "after"),
        (time(9, tzinfo=UTC), time(17), "tzinfo"),
    ],
)
def test_bad_duty_window(official_days: OfficialDays, start: time, end: time, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        DutyCalendar(official_days, duty_start=start, duty_end=end)


def test_official_days_validation_and_immutability() -> None:
    with pytest.raises(ValueError, match="both"):
        OfficialDays(
            holidays={date(2027, 1, 1): "元旦"}, makeup_workdays={date(2027, 1, 1): "元旦"}
        )
    with pytest.raises(ValueError, match="source"):
        OfficialDays(years={2027: "estimated"})
    source = {date(2027, 1, 4): "假"}
    days = OfficialDays(holidays=source)
    source[date(2027, 1, 5)] = "假"
    assert date(2027, 1, 5) not in days.holidays
    with pytest.raises(TypeError):
        days.holidays[date(2027, 1, 6)] = "假"  # type: ignore[index]


def _random_instant(rng: random.Random) -> datetime:
    # Spread over 2025–2027 (official, then estimated data) with odd seconds and microseconds.
    base = datetime(2025, 6, 1, tzinfo=UTC)
    return base + timedelta(
        seconds=rng.randrange(0, 900 * 86_400), microseconds=rng.randrange(1_000_000)
    )


def test_property_between_of_add_is_identity(calendar: DutyCalendar) -> None:
    rng = random.Random(20261001)
    for _ in range(300):
        a = _random_instant(rng)
        work = timedelta(seconds=rng.randrange(0, 60 * 3600), microseconds=rng.randrange(1_000_000))
        assert calendar.working_time_between(a, calendar.add_working_time(a, work)) == work
        assert calendar.working_time_between(calendar.add_working_time(a, -work), a) == work


def test_property_add_of_between_lands_on_b(calendar: DutyCalendar) -> None:
    rng = random.Random(20270107)
    for _ in range(300):
        a, b = sorted((_random_instant(rng), _random_instant(rng)))
        landed = calendar.add_working_time(a, calendar.working_time_between(a, b))
        # The earliest instant with the same duty time: at or before b, no duty time between
        # them, and the same next duty point as b (e.g. Fri 17:00 for a Saturday b).
        assert landed <= b
        assert calendar.working_time_between(landed, b) == timedelta(0)
        assert calendar.next_duty_start(landed) == calendar.next_duty_start(b)
