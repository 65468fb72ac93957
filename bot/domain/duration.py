"""Configured durations: wall-clock spans and working-day counts, with their text form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = ["Duration", "format_duration", "parse_duration"]

_MICROSECOND: Final = timedelta(microseconds=1)
_DAY_US: Final = 86_400 * 10**6

# Units in the order format_duration prefers them (largest first), in microseconds.
_WALL_UNITS: Final[dict[str, int]] = {
    "d": _DAY_US,
    "h": 3_600 * 10**6,
    "m": 60 * 10**6,
    "s": 10**6,
}

# A number (integer or decimal) followed by an optional unit; a bare number means seconds.
_DURATION_RE: Final = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>wd|[smhd])?$")


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time taken from configuration.

    For a wall-clock duration (``working=False``) ``amount`` is the span itself. For a working
    duration (``working=True``) ``amount`` encodes a *count* of working days as
    ``timedelta(days=count)``: the duty calendar turns ``n wd`` into n × its duty-day length of
    duty time, because the length of a duty day belongs to the calendar, not to the setting.
    """

    amount: timedelta
    working: bool = False

    def __post_init__(self) -> None:
        if self.amount < timedelta(0):
            raise ValueError(f"时长不能为负数 / duration must not be negative: {self.amount}")

    @classmethod
    def working_days(cls, count: int | str | Decimal) -> Duration:
        """Build a working duration of ``count`` working days (decimals allowed, e.g. ``"0.5"``)."""
        micros = Decimal(count) * _DAY_US
        if micros != micros.to_integral_value():
            raise ValueError(f"工作日数过于精细 / working-day count too fine: {count}")
        return cls(timedelta(microseconds=int(micros)), working=True)

    @property
    def day_count(self) -> Decimal:
        """The working-day count (``amount`` in days) as an exact decimal."""
        return Decimal(self.amount // _MICROSECOND) / _DAY_US

    def __str__(self) -> str:
        return format_duration(self)


def parse_duration(text: str | int) -> Duration:
    """Parse ``30s``, ``15m``, ``4h``, ``2d``, ``2wd``, decimals (``0.5wd``) or int seconds.

    ``d`` is a wall-clock day (24 h); ``wd`` is a working day on the duty calendar. An int (or a
    bare integer string) counts seconds. Raises ``ValueError`` with a bilingual message.
    """
    if isinstance(text, bool):
        raise ValueError(_bad_input_message(text))
    if isinstance(text, int):
        if text < 0:
            raise ValueError(_bad_input_message(text))
        return Duration(timedelta(seconds=text))
    if not isinstance(text, str):
        raise ValueError(_bad_input_message(text))
    match = _DURATION_RE.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(_bad_input_message(text))
    number, unit = match["number"], match["unit"]
    if unit is None and "." in number:
        # A bare number is "int seconds"; a bare decimal is more likely a typo for a unit.
        raise ValueError(_bad_input_message(text))
    if unit == "wd":
        return Duration(_to_timedelta(number, _DAY_US, text), working=True)
    return Duration(_to_timedelta(number, _WALL_UNITS[unit or "s"], text))


def format_duration(duration: Duration) -> str:
    """Return the canonical text of ``duration``; ``parse_duration`` of it gives it back."""
    if duration.working:
        return f"{_plain(duration.day_count)}wd"
    micros = duration.amount // _MICROSECOND
    if micros == 0:
        return "0s"
    for unit, unit_us in _WALL_UNITS.items():
        if micros % unit_us == 0:
            return f"{micros // unit_us}{unit}"
    return f"{_plain(Decimal(micros) / 10**6)}s"


def _to_timedelta(number: str, unit_us: int, text: str) -> timedelta:
    try:
        micros = Decimal(number) * unit_us
    except InvalidOperation as err:  # pragma: no cover - the regex admits only valid numbers
        raise ValueError(_bad_input_message(text)) from err
    if micros != micros.to_integral_value():
        raise ValueError(f"时长精度不能小于一微秒 / duration finer than a microsecond: {text!r}")
    try:
        return timedelta(microseconds=int(micros))
    except OverflowError as err:
        raise ValueError(f"时长过长 / duration too large: {text!r}") from err


def _plain(value: Decimal) -> str:
    # normalize() drops trailing zeros; the "f" format avoids exponents such as "2E+1".
    return format(value.normalize(), "f")


def _bad_input_message(text: object) -> str:
    return (
        f"无法解析时长 {text!r}：请写成 30s、15m、4h、2d（自然日）或 2wd（工作日），可带小数如 0.5wd"
        f" / cannot parse duration {text!r}: use 30s, 15m, 4h, 2d (calendar days)"
        " or 2wd (working days), decimals like 0.5wd allowed, or a whole number of seconds"
    )
