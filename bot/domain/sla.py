"""The contract's SLA policy: severities, response and feedback-form targets, pause and resume."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bot.domain.duration import Duration
from bot.domain.duty_calendar import DutyCalendar

__all__ = [
    "DEFAULT_FEEDBACK_FORM",
    "Severity",
    "SlaPolicy",
    "default_response_targets",
    "parse_severity",
]


class Severity(StrEnum):
    """Contract severity levels, L1 (worst) to L5; values are stored as-is."""

    L1 = "l1"
    L2 = "l2"
    L3 = "l3"
    L4 = "l4"
    L5 = "l5"

    @property
    def label(self) -> str:
        """The Chinese label shown to people, e.g. ``L1 系统宕机且数据丢失，无法快速恢复``."""
        return _LABELS[self]


# Wording follows the service agreement's severity definitions.
_LABELS: Final[Mapping[Severity, str]] = MappingProxyType(
    {
        Severity.L1: "L1 系统宕机且数据丢失，无法快速恢复",
        Severity.L2: "L2 系统宕机或基本功能不可用",
        Severity.L3: "L3 尚未宕机，但损害持续累积",
        Severity.L4: "L4 缺陷影响正常工作",
        Severity.L5: "L5 缺陷暂不影响工作",
    }
)

# The agreement asks for a formal feedback-form email within 2 (working) days of the report.
DEFAULT_FEEDBACK_FORM: Final = Duration.working_days(2)


def parse_severity(text: str) -> Severity:
    """Read ``L4``, ``l4`` or ``4`` as a Severity; bilingual ``ValueError`` otherwise."""
    key = text.strip().lower()
    if key.isdigit():
        key = f"l{key}"
    try:
        return Severity(key)
    except ValueError as err:
        raise ValueError(
            f"无法识别的严重级别 {text!r}：应为 L1–L5 / unknown severity {text!r}: expected L1 to L5"
        ) from err


def default_response_targets() -> dict[Severity, Duration]:
    """The contract's response targets: L1 15m and L2 30m around the clock; L3 2, L4 3, L5 5 wd."""
    return {
        # "Immediate, around the clock" in the agreement; 15/30 minutes is the desk's reading.
        Severity.L1: Duration(timedelta(minutes=15)),
        Severity.L2: Duration(timedelta(minutes=30)),
        Severity.L3: Duration.working_days(2),
        Severity.L4: Duration.working_days(3),
        Severity.L5: Duration.working_days(5),
    }


@dataclass(frozen=True)
class SlaPolicy:
    """Per-severity response targets and the feedback-form target, read on a duty calendar.

    Pausing (waiting on the requester) is done by the caller in two steps: at pause, store
    ``remaining(due_at, paused_at, working)``; at resume, ``resume_due(remaining, resumed_at,
    working)`` gives the new due time. ``working`` is the kind of the target being paused
    (``is_working(severity)`` for the response target).
    """

    response: Mapping[Severity, Duration]
    feedback_form: Duration
    calendar: DutyCalendar

    def __post_init__(self) -> None:
        missing = [s.name for s in Severity if s not in self.response]
        if missing:
            raise ValueError(f"SLA response targets missing for: {', '.join(missing)}")
        object.__setattr__(self, "response", MappingProxyType(dict(self.response)))

    @classmethod
    def with_defaults(cls, calendar: DutyCalendar) -> SlaPolicy:
        """The contract's default policy on ``calendar``."""
        return cls(default_response_targets(), DEFAULT_FEEDBACK_FORM, calendar)

    def is_working(self, severity: Severity) -> bool:
        """Whether ``severity``'s response target counts duty time (else around the clock)."""
        return self.response[severity].working

    def response_due(self, severity: Severity, reported_at: datetime) -> datetime:
        """When the response to a report of ``severity`` made at ``reported_at`` is due (UTC)."""
        return self.calendar.add(reported_at, self.response[severity])

    def feedback_form_due(self, reported_at: datetime) -> datetime:
        """When the feedback-form email (报修反馈单) for ``reported_at`` is due (UTC)."""
        return self.calendar.add(reported_at, self.feedback_form)

    def remaining(self, due_at: datetime, at: datetime, duration_kind_working: bool) -> timedelta:
        """Time left at ``at`` until ``due_at``: duty time for working targets, else wall time.

        Zero or negative when the target is already overdue at ``at``.
        """
        if duration_kind_working:
            return self.calendar.working_time_between(at, due_at)
        return _to_utc(due_at, "due_at") - _to_utc(at, "at")

    def resume_due(self, remaining: timedelta, resumed_at: datetime, working: bool) -> datetime:
        """The new due time when a clock paused with ``remaining`` left resumes at ``resumed_at``.

        A negative ``remaining`` (paused while overdue) stays overdue by the same amount.
        """
        if working:
            return self.calendar.add_working_time(resumed_at, remaining)
        return _to_utc(resumed_at, "resumed_at") + remaining


def _to_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)
