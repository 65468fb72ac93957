"""Loading the official working-day data: chinesecalendar's tables plus the desk's override file."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import chinese_calendar  # type: ignore[import-untyped]  # ships no type information

from bot.domain.duty_calendar import DutyCalendar, OfficialDays, YearSource

__all__ = [
    "DEFAULT_OVERRIDE_PATH",
    "HolidayOverrideError",
    "coverage_report",
    "load_official_days",
    "warn_estimated_years",
]

logger = logging.getLogger(__name__)

#: The override file shipped with the desk (all examples commented out).
DEFAULT_OVERRIDE_PATH: Final = Path(__file__).with_name("holidays.toml")

_YEAR_KEYS: Final = frozenset({"source", "holidays", "makeup_workdays"})
# A holiday range longer than this is a typo (the longest official break is 9 days).
_MAX_RANGE_DAYS: Final = 31


class HolidayOverrideError(ValueError):
    """The holiday override file is missing or malformed; the message lists every problem."""


@dataclass
class _Override:
    holidays: dict[date, str] = field(default_factory=dict)
    makeup_workdays: dict[date, str] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def load_official_days(override_path: Path | None) -> OfficialDays:
    """Build the official day data from chinesecalendar, then apply ``override_path`` if given.

    An override entry wins over the package's entry for the same date (a date declared a
    holiday stops being a make-up day, and the reverse), and every year with a section in the
    override counts as ``override``. Raises ``HolidayOverrideError`` naming the file and key.
    """
    holidays, makeup, years = _package_days()
    if override_path is not None:
        override = _read_override(override_path)
        for day, name in override.holidays.items():
            makeup.pop(day, None)
            holidays[day] = name
        for day, name in override.makeup_workdays.items():
            holidays.pop(day, None)
            makeup[day] = name
        years.update(dict.fromkeys(override.years, YearSource.OVERRIDE.value))
    return OfficialDays(holidays=holidays, makeup_workdays=makeup, years=years)


def coverage_report(cal: DutyCalendar, years: Iterable[int]) -> dict[int, str]:
    """Map each of ``years`` to its data source: ``official``, ``override`` or ``estimated``."""
    return {year: cal.year_source(year).value for year in years}


def warn_estimated_years(cal: DutyCalendar, years: Iterable[int]) -> list[int]:
    """Log one WARNING per distinct estimated year among ``years``; return those years sorted."""
    estimated = sorted({y for y in years if cal.year_source(y) is YearSource.ESTIMATED})
    for year in estimated:
        logger.warning(
            "calendar year=%s source=estimated: no official holiday notice, using weekends plus"
            " Jan 1, May 1-2 and Oct 1-3; enter the year's notice in %s",
            year,
            DEFAULT_OVERRIDE_PATH.name,
        )
    return estimated


def _package_days() -> tuple[dict[date, str], dict[date, str], dict[int, str]]:
    # The package stores English holiday names; people read Chinese, so map through its enum.
    holidays = {day: _chinese_name(name) for day, name in chinese_calendar.holidays.items()}
    makeup = {day: _chinese_name(name) for day, name in chinese_calendar.workdays.items()}
    # The package itself treats every year between its first and last holiday as covered.
    first, last = min(holidays).year, max(holidays).year
    years = {year: YearSource.OFFICIAL.value for year in range(first, last + 1)}
    return holidays, makeup, years


def _chinese_name(english: str) -> str:
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def _read_override(path: Path) -> _Override:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise HolidayOverrideError(f"{path}: cannot read holiday override file: {err}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib's message already says "(at line N, column M)".
        raise HolidayOverrideError(f"{path}: invalid TOML: {err}") from err
    override = _Override()
    for key, section in data.items():
        _read_year(key, section, override)
    if override.problems:
        lines = "\n".join(f"  - {_locate(text, problem)}" for problem in override.problems)
        raise HolidayOverrideError(f"{path}: {len(override.problems)} problem(s):\n{lines}")
    return override


def _read_year(key: str, section: object, override: _Override) -> None:
    if not (key.isdigit() and len(key) == 4):
        override.problems.append(f"[{key}]: top-level sections must be years such as [2027]")
        return
    if not isinstance(section, dict):
        override.problems.append(f"[{key}]: must be a table, e.g. [{key}.holidays]")
        return
    year = int(key)
    override.years.add(year)
    for unknown in sorted(set(section) - _YEAR_KEYS):
        override.problems.append(
            f"[{key}] key {unknown!r}: unknown, expected one of {sorted(_YEAR_KEYS)}"
        )
    if not isinstance(section.get("source", ""), str):
        override.problems.append(f"[{key}] key 'source': must be text")
    _read_days(year, section.get("holidays", {}), "holidays", override)
    _read_days(year, section.get("makeup_workdays", {}), "makeup_workdays", override)


def _read_days(year: int, table: object, kind: str, override: _Override) -> None:
    where = f"[{year}.{kind}]"
    if not isinstance(table, dict):
        override.problems.append(f"{where}: must be a table of date = name entries")
        return
    target = override.holidays if kind == "holidays" else override.makeup_workdays
    other = override.makeup_workdays if kind == "holidays" else override.holidays
    for key, value in table.items():
        days = _entry_days(year, key, value, kind=kind, problems=override.problems)
        # A valid entry is either the name itself or a range table holding it.
        name = str(value.get("name", "")) if isinstance(value, dict) else str(value)
        for day in days:
            if day in target or day in other:
                override.problems.append(f"{where} key {key!r}: {day} is declared more than once")
            else:
                target[day] = name


def _entry_days(
    year: int, key: str, value: object, *, kind: str, problems: list[str]
) -> list[date]:
    where = f"[{year}.{kind}] key {key!r}"
    try:
        start = date.fromisoformat(key)
    except ValueError:
        problems.append(f"{where}: not a date, write it as YYYY-MM-DD")
        return []
    if abs(start.year - year) > 1:
        # A notice may touch the neighbouring year (2012's New Year make-up day was 2011-12-31).
        problems.append(f"{where}: date is not in or next to year {year}")
        return []
    if isinstance(value, str):
        if not value.strip():
            problems.append(f"{where}: the name must not be empty")
            return []
        return [start]
    if kind == "holidays" and isinstance(value, dict):
        return _range_days(start, value, where, problems)
    expected = '"名称"'
    if kind == "holidays":
        expected += ' or { name = "名称", through = YYYY-MM-DD }'
    problems.append(f"{where}: expected {expected}")
    return []


def _range_days(
    start: date, value: Mapping[str, object], where: str, problems: list[str]
) -> list[date]:
    name, through = value.get("name"), value.get("through", start)
    extra = sorted(set(value) - {"name", "through"})
    if not isinstance(name, str) or not name.strip():
        problems.append(f'{where}: the table needs name = "名称"')
        return []
    if extra:
        problems.append(f"{where}: unknown key(s) {extra}, expected name and through")
        return []
    # TOML datetimes are date subclasses too; only a plain local date makes sense here.
    if type(through) is not date or not 0 <= (through - start).days < _MAX_RANGE_DAYS:
        problems.append(
            f"{where}: through must be an unquoted YYYY-MM-DD date on or after {start},"
            " within a month"
        )
        return []
    return [start + timedelta(days=offset) for offset in range((through - start).days + 1)]


def _locate(text: str, problem: str) -> str:
    # tomllib keeps no positions after parsing; find the line by the quoted key in the message.
    marker = " key '"
    if marker not in problem:
        return problem
    key = problem.split(marker, 1)[1].split("'", 1)[0]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(key) and not line.lstrip().startswith("#"):
            return f"line {number}: {problem}"
    return problem
