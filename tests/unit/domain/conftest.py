"""Fixtures for the SLA clock tests: the real official calendar and a hand-made one."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.duty_calendar import DutyCalendar, OfficialDays
from config.calendar import load_official_days


@pytest.fixture(scope="session")
def official_days() -> OfficialDays:
    """chinesecalendar's data only (no override file)."""
    return load_official_days(None)


@pytest.fixture(scope="session")
def calendar(official_days: OfficialDays) -> DutyCalendar:
    """The default 5×8 duty calendar (09:00–17:00 Asia/Shanghai) on the real data."""
    return DutyCalendar(official_days)


@pytest.fixture
def october_days() -> OfficialDays:
    """A small hand-made year: National Day 2026 and its make-up Saturday, nothing else."""
    holidays = {date(2026, 10, d): "国庆节" for d in range(1, 8)}
    return OfficialDays(
        holidays=holidays,
        makeup_workdays={date(2026, 10, 10): "国庆节"},
        years={2026: "official"},
    )
