"""The desk's duty calendar: China's official working days and the daily duty window."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.duration import Duration

__all__ = [
    "ESTIMATED_FIXED_HOLIDAYS",
    "MAX_IDLE_DAYS",
    "SHANGHAI",
    "DutyCalendar",
    "OfficialDays",
    "YearSource",
]

# If this many consecutive days hold no duty time, the data is broken (e.g. a whole year
# entered as holidays); stop with a clear error instead of scanning towards date.max.
MAX_IDLE_DAYS: Final = 3660

#: The contract's zone; China has had no DST since 1991.
SHANGHAI: Final = ZoneInfo("Asia/Shanghai")

_DAY: Final = timedelta(days=1)
_MICROSECOND: Final = timedelta(microseconds=1)

# Fixed-date public holidays of the 2025 revision of the national holiday rules
# (全国年节及纪念日放假办法, State Council decree 795): New Year's Day 1 day, Labour Day
# 2 days, National Day 3 days. Lunar holidays (Spring Festival, Dragon Boat, Mid-Autumn) and
# Qingming need an almanac and the yearly notice, so an estimated year misses them.
ESTIMATED_FIXED_HOLIDAYS: Final[Mapping[tuple[int, int], str]] = MappingProxyType(
    {
        (1, 1): "元旦",
        (5, 1): "劳动节",
        (5, 2): "劳动节",
        (10, 1): "国庆节",
        (10, 2): "国庆节",
        (10, 3): "国庆节",
    }
)


class YearSource(StrEnum):
    """Where a year's working-day data comes from."""

    OFFICIAL = "official"
    OVERRIDE = "override"
    ESTIMATED = "estimated"


@dataclass(frozen=True)
class OfficialDays:
    """Official day data: named holidays, named make-up working days (调休) and covered years.

    ``years`` maps each covered year to its source (``"official"`` or ``"override"``); any other
    year is estimated from weekends plus ``ESTIMATED_FIXED_HOLIDAYS``. The mappings are copied
    into read-only views so a shared instance cannot be changed behind the calendar's back.
    """

    holidays: Mapping[date, str] = field(default_factory=dict)
    makeup_workdays: Mapping[date, str] = field(default_factory=dict)
    years: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        both = sorted(set(self.holidays) & set(self.makeup_workdays))
        if both:
            raise ValueError(f"dates listed as both holiday and make-up working day: {both}")
        for year, source in self.years.items():
            if source not in (YearSource.OFFICIAL, YearSource.OVERRIDE):
                raise ValueError(
                    f"year {year}: source must be 'official' or 'override', got {source!r}"
                )
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "makeup_workdays", MappingProxyType(dict(self.makeup_workdays)))
        object.__setattr__(self, "years", MappingProxyType(dict(self.years)))


class DutyCalendar:
    """Working days plus a daily duty window (5×8 by default), and arithmetic on duty time.

    Every datetime argument must be aware (``ValueError`` otherwise); every datetime returned is
    aware UTC. Working time is measured in real elapsed time inside each day's duty window.
    """

    def __init__(
        self,
        days: OfficialDays,
        *,
        duty_start: time = time(9),
        duty_end: time = time(17),
        tz: ZoneInfo = SHANGHAI,
    ) -> None:
        if duty_start.tzinfo is not None or duty_end.tzinfo is not None:
            raise ValueError(
                "duty_start and duty_end are local wall times; give them without tzinfo"
            )
        if duty_end <= duty_start:
            # A window across midnight would make a duty day span two dates; the contract is 5×8.
            raise ValueError(f"duty_end {duty_end} must be after duty_start {duty_start}")
        self._days = days
        self._duty_start = duty_start
        self._duty_end = duty_end
        self._tz = tz

    def __repr__(self) -> str:
        return f"DutyCalendar(duty={self._duty_start}-{self._duty_end}, tz={self._tz.key})"

    @property
    def days(self) -> OfficialDays:
        """The official day data this calendar uses."""
        return self._days

    @property
    def tz(self) -> ZoneInfo:
        """The zone in which working days and the duty window are read."""
        return self._tz

    @property
    def duty_length(self) -> timedelta:
        """Nominal length of one duty day (duty_end - duty_start), e.g. 8 hours."""
        anchor = date(2000, 1, 3)
        return datetime.combine(anchor, self._duty_end) - datetime.combine(anchor, self._duty_start)

    def year_source(self, year: int) -> YearSource:
        """Return ``official``, ``override`` or ``estimated`` for ``year``."""
        source = self._days.years.get(year)
        return YearSource(source) if source is not None else YearSource.ESTIMATED

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day: make-up days work, holidays rest, else Mon–Fri."""
        if day in self._days.makeup_workdays:
            return True
        if day in self._days.holidays:
            return False
        if day.year not in self._days.years and (day.month, day.day) in ESTIMATED_FIXED_HOLIDAYS:
            return False
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday on ``day`` (official or estimated), or None on other days."""
        name = self._days.holidays.get(day)
        if name is not None or day.year in self._days.years or day in self._days.makeup_workdays:
            return name
        return ESTIMATED_FIXED_HOLIDAYS.get((day.month, day.day))

    def next_duty_start(self, at: datetime) -> datetime:
        """``at`` itself if it is inside a duty window, else the start of the next one."""
        start = _to_utc(at, "at")
        for open_, close in self._windows_from(start):
            if start < close:
                return max(open_, start)
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover

    def add_working_time(self, start: datetime, work: timedelta) -> datetime:
        """The earliest instant by which ``work`` of duty time has elapsed since ``start``.

        Time is counted from ``start``, or from the next duty start when ``start`` is outside
        duty. Work that runs out exactly at a duty end is due at that duty end (17:00), not at
        the next day's duty start. A negative ``work`` counts backwards (used for overdue time).
        """
        begin = _to_utc(start, "start")
        if work < timedelta(0):
            return self._subtract_working_time(begin, -work)
        remaining = work
        if remaining == timedelta(0):
            return begin
        for open_, close in self._windows_from(begin):
            first = max(open_, begin)
            if first >= close:
                continue
            if remaining <= close - first:
                return first + remaining
            remaining -= close - first
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Duty time elapsed from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        start, end = _to_utc(a, "a"), _to_utc(b, "b")
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        day = start.astimezone(self._tz).date()
        last = end.astimezone(self._tz).date()
        while day <= last:
            if self.is_working_day(day):
                open_, close = self._window(day)
                overlap = min(close, end) - max(open_, start)
                if overlap > timedelta(0):
                    total += overlap
            if day == last:
                break
            day = _step(day, 1)
        return total

    def working_amount(self, duration: Duration) -> timedelta:
        """Duty time a working duration stands for: its day count × the duty-day length."""
        if not duration.working:
            raise ValueError(f"{duration} is a wall-clock duration, not working days")
        # Integer microseconds keep 0.5wd or 3wd exact (no float rounding).
        duty_us = self.duty_length // _MICROSECOND
        return timedelta(
            microseconds=duty_us * (duration.amount // _MICROSECOND) // (_DAY // _MICROSECOND)
        )

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The due time ``duration`` after ``start``: wall clock, or duty time for working days."""
        if duration.working:
            return self.add_working_time(start, self.working_amount(duration))
        return _to_utc(start, "start") + duration.amount

    def _subtract_working_time(self, end: datetime, work: timedelta) -> datetime:
        # Mirror of add_working_time: the latest instant from which ``work`` of duty time
        # elapses by ``end``; lets an overdue remainder survive a pause and resume.
        remaining = work
        if remaining == timedelta(0):
            return end
        for open_, close in self._windows_back_from(end):
            last = min(close, end)
            if last <= open_:
                continue
            if remaining <= last - open_:
                return last - remaining
            remaining -= last - open_
        raise AssertionError("unreachable: _windows_back_from never ends")  # pragma: no cover

    def _window(self, day: date) -> tuple[datetime, datetime]:
        # Built through the zone on each day, so a zone with DST still gets local 09:00–17:00.
        open_ = datetime.combine(day, self._duty_start, tzinfo=self._tz).astimezone(UTC)
        close = datetime.combine(day, self._duty_end, tzinfo=self._tz).astimezone(UTC)
        return open_, close

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        return self._scan(at.astimezone(self._tz).date(), 1)

    def _windows_back_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        return self._scan(at.astimezone(self._tz).date(), -1)

    def _scan(self, day: date, step: int) -> Iterator[tuple[datetime, datetime]]:
        # Day by day (never minute by minute); gives up after MAX_IDLE_DAYS without duty time.
        idle = 0
        while True:
            if self.is_working_day(day):
                idle = 0
                yield self._window(day)
            else:
                idle += 1
                if idle > MAX_IDLE_DAYS:
                    raise ValueError(
                        f"没有找到工作日 / no working day within {MAX_IDLE_DAYS} days of {day}:"
                        " check the holiday data"
                    )
            day = _step(day, step)


def _step(day: date, step: int) -> date:
    try:
        return day + timedelta(days=step)
    except OverflowError as err:
        raise ValueError(f"日期超出范围 / date out of range stepping from {day}") from err


def _to_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)
