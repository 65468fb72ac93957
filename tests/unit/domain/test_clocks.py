"""The ladder's times per severity across weekends, National Day and a make-up Saturday."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clocks import ClockRules, Step, ladder_for, next_step, schedule, step_time
from bot.domain.duration import Duration
from bot.domain.incident import Category, Incident, Status
from bot.domain.messages import ChannelKind, ReplyAddress
from bot.domain.sla import Severity, SlaPolicy

CST = ZoneInfo("Asia/Shanghai")
RULES = ClockRules()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(timezone.utc)


def local(value: datetime | None) -> str | None:
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M") if value else None


def opened(policy: SlaPolicy, severity: Severity, reported: str) -> Incident:
    return Incident.open(number="2026-0100", title="故障", description="", actor="x",
                         category=Category.FAULT, severity=severity, channel=ChannelKind.QQ,
                         requester_id=1, reply_address=ReplyAddress(ChannelKind.QQ, "group:1"),
                         reported_at=at(reported), policy=policy)


@pytest.mark.parametrize(("severity", "reported", "expected"), [
    # L1 on a Sunday night: paged at once, warned at 75% of 15 minutes, breached at 15.
    (Severity.L1, "2026-11-22T03:00", {Step.PAGE: "2026-11-22 03:00",
                                       Step.WARNING: "2026-11-22 03:11",
                                       Step.BREACH: "2026-11-22 03:15",
                                       Step.SECOND_LINE: "2026-11-22 07:15"}),
    # L3 on the eve of National Day: the holiday week is skipped.
    (Severity.L3, "2026-09-30T16:00", {Step.WARNING: "2026-10-09 12:00",
                                       Step.BREACH: "2026-10-09 16:00",
                                       Step.SECOND_LINE: "2026-10-09 20:00"}),
    # L4 on the Friday before the make-up Saturday 10-10, which counts as a working day.
    (Severity.L4, "2026-10-09T10:00", {Step.WARNING: "2026-10-12 12:00",
                                       Step.BREACH: "2026-10-13 10:00"}),
    # L5 reported on a Friday afternoon: two weekends inside the target.
    (Severity.L5, "2026-11-20T15:00", {Step.WARNING: "2026-11-26 13:00",
                                       Step.BREACH: "2026-11-27 15:00"}),
])
def test_ladder_times(policy: SlaPolicy, severity: Severity, reported: str,
                      expected: dict[Step, str]) -> None:
    incident = opened(policy, severity, reported)
    for step, when in expected.items():
        assert local(step_time(incident, step, policy, RULES)) == when, step.name
    assert (Step.PAGE in ladder_for(severity, RULES)) == (severity in (Severity.L1, Severity.L2))


def test_schedule_walks_the_ladder_and_stops_when_resolved(policy: SlaPolicy) -> None:
    incident = opened(policy, Severity.L4, "2026-10-09T10:00")
    schedule(incident, policy, RULES)
    assert next_step(incident, RULES) is Step.WARNING
    assert local(incident.next_escalation_at) == "2026-10-12 12:00"
    assert local(incident.next_due_at) == "2026-10-12 10:00"  # the feedback form comes first
    incident.escalate(Step.WARNING, at=at("2026-10-12T12:00"), actor="system", reason="w")
    schedule(incident, policy, RULES)
    assert local(incident.next_escalation_at) == "2026-10-13 10:00"
    incident.take("li", at=at("2026-10-12T16:30"), policy=policy)
    incident.transition(Status.RESOLVED, at=at("2026-10-12T17:00"), actor="li", policy=policy)
    schedule(incident, policy, RULES)
    assert incident.next_escalation_at is None
    assert local(incident.confirmation_due_at) == "2026-10-14 17:00"


def test_paused_clock_escalates_nothing(policy: SlaPolicy) -> None:
    incident = opened(policy, Severity.L2, "2026-11-25T10:00")
    incident.take("li", at=at("2026-11-25T10:01"), policy=policy)
    incident.transition(Status.WAITING_ON_REQUESTER, at=at("2026-11-25T10:02"), actor="li",
                        policy=policy)
    schedule(incident, policy, RULES)
    assert incident.next_escalation_at is None


def test_plan_reminder_then_lapse(policy: SlaPolicy) -> None:
    incident = opened(policy, Severity.L4, "2026-11-23T10:00")
    incident.set_plan(at("2026-11-27T17:00"), at=at("2026-11-23T11:00"), actor="li",
                      policy=policy)
    schedule(incident, policy, RULES)
    assert local(incident.plan_action_at) == "2026-11-27 13:00"
    incident.plan_stage = 1
    schedule(incident, policy, RULES)
    assert local(incident.plan_action_at) == "2026-11-27 17:00"
    incident.plan_stage = 2
    schedule(incident, policy, RULES)
    assert incident.plan_action_at is None


def test_auto_close_only_when_configured(policy: SlaPolicy) -> None:
    rules = ClockRules(auto_close_after=Duration.working_days(5))
    incident = opened(policy, Severity.L4, "2026-11-23T10:00")
    incident.take("li", at=at("2026-11-23T10:05"), policy=policy)
    incident.transition(Status.RESOLVED, at=at("2026-11-23T11:00"), actor="li", policy=policy)
    schedule(incident, policy, RULES)
    assert incident.auto_close_at is None
    schedule(incident, policy, rules)
    assert local(incident.auto_close_at) == "2026-11-30 11:00"
    incident.close_unconfirmed(at=at("2026-11-30T11:00"), actor="system", policy=policy)
    assert incident.resolution is not None and incident.resolution.value == "not_confirmed"
    assert incident.status is Status.CLOSED
