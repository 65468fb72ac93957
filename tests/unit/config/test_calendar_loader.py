"""Tests for loading official days from chinesecalendar and the desk's override file."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.domain.duty_calendar import DutyCalendar
from bot.domain.sla import Severity, SlaPolicy
from config.calendar import (
    DEFAULT_OVERRIDE_PATH,
    HolidayOverrideError,
    coverage_report,
    load_official_days,
    warn_estimated_years,
)

CN = timezone(timedelta(hours=8))

OVERRIDE_2027 = """
[2027]
source = "test notice"

[2027.holidays]
2027-01-01 = "元旦"
2027-01-04 = "测试假日"
2027-02-05 = { name = "春节", through = 2027-02-11 }

[2027.makeup_workdays]
2027-02-20 = "春节"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_package_data_covers_2004_to_2026_with_chinese_names() -> None:
    days = load_official_days(None)
    assert set(days.years) == set(range(2004, 2027))
    assert set(days.years.values()) == {"official"}
    assert days.holidays[date(2026, 10, 1)] == "国庆节"
    assert days.holidays[date(2026, 9, 25)] == "中秋"
    # The 2026 notice's make-up working days are all present.
    assert sorted(d for d in days.makeup_workdays if d.year == 2026) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_shipped_override_file_is_valid_and_empty() -> None:
    assert DEFAULT_OVERRIDE_PATH.is_file()
    assert load_official_days(DEFAULT_OVERRIDE_PATH) == load_official_days(None)


def test_override_makes_2027_official_and_shifts_the_due(tmp_path: Path) -> None:
    reported = datetime(2026, 12, 30, 10, tzinfo=CN)
    estimated = SlaPolicy.with_defaults(DutyCalendar(load_official_days(None)))
    overridden_cal = DutyCalendar(load_official_days(write(tmp_path, OVERRIDE_2027)))
    overridden = SlaPolicy.with_defaults(overridden_cal)
    assert estimated.response_due(Severity.L5, reported) == datetime(2027, 1, 7, 10, tzinfo=CN)
    assert overridden.response_due(Severity.L5, reported) == datetime(2027, 1, 8, 10, tzinfo=CN)
    assert overridden_cal.year_source(2027) == "override"
    assert overridden_cal.holiday_name(date(2027, 2, 8)) == "春节"  # inside the range
    assert overridden_cal.is_working_day(date(2027, 2, 20))  # a Saturday make-up day


def test_override_year_replaces_the_estimate(tmp_path: Path) -> None:
    # Once a year has a section it is the whole notice: Jan 1 is off only if listed.
    days = load_official_days(write(tmp_path, '[2027.holidays]\n2027-01-04 = "测试"\n'))
    cal = DutyCalendar(days)
    assert cal.is_working_day(date(2027, 1, 1))
    assert not cal.is_working_day(date(2027, 1, 4))


def test_override_entries_win_over_package_data(tmp_path: Path) -> None:
    text = '[2026.holidays]\n2026-10-10 = "改为休息"\n[2026.makeup_workdays]\n2026-10-05 = "改为上班"\n'
    cal = DutyCalendar(load_official_days(write(tmp_path, text)))
    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 10, 5))
    assert cal.is_working_day(date(2026, 10, 8))  # untouched package data stays
    assert cal.year_source(2026) == "override"


def test_neighbouring_year_dates_are_allowed(tmp_path: Path) -> None:
    days = load_official_days(write(tmp_path, '[2028.makeup_workdays]\n2027-12-31 = "元旦"\n'))
    assert days.makeup_workdays[date(2027, 12, 31)] == "元旦"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[2027\n", ["invalid TOML", "line 1"]),
        ('[2027.holidays]\n2027-13-01 = "x"\n', ["2027-13-01", "YYYY-MM-DD", "line 2"]),
        ("[2027]\nholiday = 1\n", ["'holiday'", "unknown", "line 2"]),
        (
            '[2027.holidays]\n2027-02-11 = { name = "春节", through = 2027-02-05 }\n',
            ["through", "line 2"],
        ),
        ('[2027.holidays]\n2027-02-11 = { name = "春节", through = "2027-02-12" }\n', ["unquoted"]),
        ('[2027.holidays]\n2027-02-11 = { name = "春节", until = 2027-02-12 }\n', ["until"]),
        ("[2027.holidays]\n2027-02-11 = { through = 2027-02-12 }\n", ["name"]),
        ('[2027.holidays]\n2027-01-04 = ""\n', ["empty"]),
        ("[2027.holidays]\n2027-01-04 = 3\n", ["2027-01-04", "expected"]),
        ('[2027.makeup_workdays]\n2027-02-20 = { name = "春节" }\n', ["2027-02-20", "expected"]),
        ('[2027.holidays]\n2031-01-04 = "x"\n', ["not in or next to year 2027"]),
        (
            '[2027.holidays]\n2027-01-04 = "x"\n[2027.makeup_workdays]\n2027-01-04 = "y"\n',
            ["more than once"],
        ),
        ('[holidays]\n2027-01-04 = "x"\n', ["[holidays]", "years such as"]),
        ('2027 = "x"\n', ["must be a table"]),
        ('[2027]\nholidays = ["2027-01-04"]\n', ["[2027.holidays]", "table"]),
        ("[2027]\nsource = 5\n", ["'source'", "text"]),
    ],
)
def test_malformed_override_names_file_and_key(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HolidayOverrideError) as excinfo:
        load_official_days(path)
    message = str(excinfo.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = '[2027.holidays]\n2027-13-01 = "x"\n2027-01-04 = ""\n[2028]\nfoo = 1\n'
    with pytest.raises(HolidayOverrideError, match="3 problem"):
        load_official_days(write(tmp_path, text))


def test_missing_override_file(tmp_path: Path) -> None:
    with pytest.raises(HolidayOverrideError, match="cannot read"):
        load_official_days(tmp_path / "absent.toml")


def test_coverage_report() -> None:
    cal = DutyCalendar(load_official_days(None))
    assert coverage_report(cal, [2003, 2004, 2026, 2027]) == {
        2003: "estimated",
        2004: "official",
        2026: "official",
        2027: "estimated",
    }


def test_warn_estimated_years_once_per_year(caplog: pytest.LogCaptureFixture) -> None:
    cal = DutyCalendar(load_official_days(None))
    with caplog.at_level(logging.WARNING, logger="config.calendar"):
        assert warn_estimated_years(cal, [2027, 2026, 2027, 2028, 2027]) == [2027, 2028]
    records = [r for r in caplog.records if r.name == "config.calendar"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    assert "year=2027" in records[0].getMessage()
    assert "year=2028" in records[1].getMessage()


def test_no_warning_when_every_year_is_covered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cal = DutyCalendar(load_official_days(write(tmp_path, OVERRIDE_2027)))
    with caplog.at_level(logging.WARNING, logger="config.calendar"):
        assert warn_estimated_years(cal, [2026, 2027]) == []
    assert not caplog.records
