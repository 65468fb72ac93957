"""Tests for the SLA policy: the contract's examples, edge times, and pausing the clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from bot.domain.duration import Duration, parse_duration
from bot.domain.duty_calendar import DutyCalendar, OfficialDays
from bot.domain.sla import (
    DEFAULT_FEEDBACK_FORM,
    Severity,
    SlaPolicy,
    default_response_targets,
    parse_severity,
)

CN = timezone(timedelta(hours=8))


def cn(text: str) -> datetime:
    """``"2026-10-19 09:00"`` read as +08:00, the way the contract writes times."""
    return datetime.fromisoformat(text).replace(tzinfo=CN)


@pytest.fixture(scope="module")
def policy(calendar: DutyCalendar) -> SlaPolicy:
    return SlaPolicy.with_defaults(calendar)


@pytest.mark.parametrize(
    ("severity", "reported_at", "due_at"),
    [
        # The examples written into the contract issue.
        (Severity.L3, cn("2026-09-30 16:00"), cn("2026-10-09 16:00")),  # National Day week skipped
        (Severity.L4, cn("2026-10-09 10:00"), cn("2026-10-13 10:00")),  # Sat 10-10 is a make-up day
        (Severity.L3, cn("2026-10-17 20:00"), cn("2026-10-20 17:00")),  # ends exactly at duty end
        (Severity.L5, cn("2026-12-30 10:00"), cn("2027-01-07 10:00")),  # 2027 estimated, Jan 1 off
        # Around the clock.
        (Severity.L1, cn("2026-10-18 03:00"), cn("2026-10-18 03:15")),  # 03:00 on a Sunday
        (Severity.L2, cn("2026-10-17 23:50"), cn("2026-10-18 00:20")),
        (Severity.L1, cn("2026-10-01 12:00"), cn("2026-10-01 12:15")),  # on a holiday
        # Edge times.
        (
            Severity.L3,
            cn("2026-10-10 10:00"),
            cn("2026-10-13 10:00"),
        ),  # inside the make-up Saturday
        (Severity.L3, cn("2026-10-15 17:00"), cn("2026-10-19 17:00")),  # exactly 17:00
        (Severity.L3, cn("2026-10-19 08:59"), cn("2026-10-20 17:00")),  # 08:59
        (Severity.L3, cn("2026-10-19 09:00"), cn("2026-10-20 17:00")),  # exactly 09:00
        (Severity.L4, cn("2026-10-16 16:59"), cn("2026-10-21 16:59")),
        (Severity.L3, cn("2026-09-18 12:00"), cn("2026-09-21 12:00")),  # make-up Sunday 09-20
        (
            Severity.L5,
            cn("2026-09-22 12:00"),
            cn("2026-09-30 12:00"),
        ),  # Mid-Autumn 09-25..27 skipped
        (
            Severity.L3,
            cn("2026-02-13 10:00"),
            cn("2026-02-24 10:00"),
        ),  # Spring Festival: 02-14 works
    ],
)
def test_response_due(
    policy: SlaPolicy, severity: Severity, reported_at: datetime, due_at: datetime
) -> None:
    due = policy.response_due(severity, reported_at)
    assert due == due_at
    assert due.tzinfo is UTC


def test_l5_over_new_year_flags_2027_as_estimated(policy: SlaPolicy) -> None:
    assert policy.response_due(Severity.L5, cn("2026-12-30 10:00")) == cn("2027-01-07 10:00")
    assert policy.calendar.year_source(2026) == "official"
    assert policy.calendar.year_source(2027) == "estimated"


@pytest.mark.parametrize(
    ("reported_at", "due_at"),
    [
        (cn("2026-09-30 16:00"), cn("2026-10-09 16:00")),
        (cn("2026-10-17 20:00"), cn("2026-10-20 17:00")),
        (cn("2026-10-09 10:00"), cn("2026-10-12 10:00")),
    ],
)
def test_feedback_form_due(policy: SlaPolicy, reported_at: datetime, due_at: datetime) -> None:
    assert policy.feedback_form_due(reported_at) == due_at


@pytest.mark.parametrize(
    ("severity", "reported_at", "due_at"),
    [
        (Severity.L3, cn("2026-10-17 20:00"), cn("2026-10-20 17:30")),
        (Severity.L3, cn("2026-10-19 08:15"), cn("2026-10-20 17:30")),
        (Severity.L4, cn("2026-10-19 17:29"), cn("2026-10-22 17:29")),
        (Severity.L1, cn("2026-10-19 08:15"), cn("2026-10-19 08:30")),
    ],
)
def test_configurable_duty_window(
    official_days: OfficialDays, severity: Severity, reported_at: datetime, due_at: datetime
) -> None:
    cal = DutyCalendar(official_days, duty_start=time(8, 30), duty_end=time(17, 30))
    assert SlaPolicy.with_defaults(cal).response_due(severity, reported_at) == due_at


def test_shortened_targets_for_a_drill(calendar: DutyCalendar) -> None:
    targets = default_response_targets() | {Severity.L3: parse_duration("0.5wd")}
    policy = SlaPolicy(targets, parse_duration("1h"), calendar)
    assert policy.response_due(Severity.L3, cn("2026-10-19 15:00")) == cn("2026-10-20 11:00")
    assert policy.feedback_form_due(cn("2026-10-17 20:00")) == cn("2026-10-17 21:00")


def test_pause_and_resume_across_a_weekend(policy: SlaPolicy) -> None:
    reported = cn("2026-10-15 10:00")  # Thursday
    due = policy.response_due(Severity.L4, reported)
    assert due == cn("2026-10-20 10:00")
    working = policy.is_working(Severity.L4)
    left = policy.remaining(due, cn("2026-10-16 15:00"), working)  # paused Friday 15:00
    assert left == timedelta(hours=11)
    # Waiting on the requester until Monday 11:00 cost 4 h of duty time (Fri 15–17, Mon 9–11).
    assert policy.resume_due(left, cn("2026-10-19 11:00"), working) == cn("2026-10-20 14:00")


def test_pause_over_the_weekend_only_costs_nothing(policy: SlaPolicy) -> None:
    due = policy.response_due(Severity.L3, cn("2026-10-15 10:00"))
    left = policy.remaining(due, cn("2026-10-16 17:00"), True)  # paused Friday at duty end
    assert policy.resume_due(left, cn("2026-10-19 08:30"), True) == due  # back before Monday 09:00


def test_pause_and_resume_around_the_clock(policy: SlaPolicy) -> None:
    due = policy.response_due(Severity.L1, cn("2026-10-18 03:00"))
    assert not policy.is_working(Severity.L1)
    left = policy.remaining(due, cn("2026-10-18 03:05"), False)
    assert left == timedelta(minutes=10)
    assert policy.resume_due(left, cn("2026-10-18 04:00"), False) == cn("2026-10-18 04:10")


@pytest.mark.parametrize(
    ("working", "at", "resumed_at", "expected_left", "new_due"),
    [
        # Due Tue 10-20 17:00; paused Wed 10:00 one duty hour late; resumed Thu 09:30.
        (
            True,
            cn("2026-10-21 10:00"),
            cn("2026-10-22 09:30"),
            timedelta(hours=-1),
            cn("2026-10-21 16:30"),
        ),
        (
            False,
            cn("2026-10-21 10:00"),
            cn("2026-10-22 09:30"),
            timedelta(hours=-17),
            cn("2026-10-21 16:30"),
        ),
        (
            True,
            cn("2026-10-20 17:00"),
            cn("2026-10-22 09:00"),
            timedelta(0),
            cn("2026-10-22 09:00"),
        ),
    ],
)
def test_paused_while_overdue_stays_overdue(
    policy: SlaPolicy,
    working: bool,
    at: datetime,
    resumed_at: datetime,
    expected_left: timedelta,
    new_due: datetime,
) -> None:
    due = cn("2026-10-20 17:00")
    left = policy.remaining(due, at, working)
    assert left == expected_left
    resumed_due = policy.resume_due(left, resumed_at, working)
    assert resumed_due == new_due
    assert resumed_due <= resumed_at


def test_remaining_and_resume_reject_naive_datetimes(policy: SlaPolicy) -> None:
    with pytest.raises(ValueError, match="aware"):
        policy.remaining(datetime(2026, 10, 20, 17), cn("2026-10-20 00:00"), False)
    with pytest.raises(ValueError, match="aware"):
        policy.resume_due(timedelta(hours=1), datetime(2026, 10, 20, 9), True)
    with pytest.raises(ValueError, match="aware"):
        policy.response_due(Severity.L3, datetime(2026, 10, 20, 9))


def test_default_targets() -> None:
    targets = default_response_targets()
    assert {s: str(d) for s, d in targets.items()} == {
        Severity.L1: "15m",
        Severity.L2: "30m",
        Severity.L3: "2wd",
        Severity.L4: "3wd",
        Severity.L5: "5wd",
    }
    assert Duration.working_days(2) == DEFAULT_FEEDBACK_FORM


def test_policy_requires_every_severity(calendar: DutyCalendar) -> None:
    targets = default_response_targets()
    del targets[Severity.L5]
    with pytest.raises(ValueError, match="L5"):
        SlaPolicy(targets, DEFAULT_FEEDBACK_FORM, calendar)


@pytest.mark.parametrize(
    ("severity", "label"),
    [
        (Severity.L1, "L1 系统宕机且数据丢失，无法快速恢复"),
        (Severity.L2, "L2 系统宕机或基本功能不可用"),
        (Severity.L3, "L3 尚未宕机，但损害持续累积"),
        (Severity.L4, "L4 缺陷影响正常工作"),
        (Severity.L5, "L5 缺陷暂不影响工作"),
    ],
)
def test_severity_labels(severity: Severity, label: str) -> None:
    assert severity.label == label
    assert severity.value == severity.name.lower()


@pytest.mark.parametrize(
    ("text", "severity"), [("L4", Severity.L4), ("l1", Severity.L1), (" 5 ", Severity.L5)]
)
def test_parse_severity(text: str, severity: Severity) -> None:
    assert parse_severity(text) is severity


@pytest.mark.parametrize("text", ["L0", "L6", "", "high", "紧急"])
def test_parse_severity_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="L1"):
        parse_severity(text)
