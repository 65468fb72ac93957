"""The incident's status machine, ownership, SLA pausing and the events every change leaves."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import IllegalTransitionError, InvalidInputError
from bot.domain.events import EventKind
from bot.domain.incident import (
    TRANSITIONS, Category, Incident, Resolution, Status, find_incident_number,
)
from bot.domain.messages import ChannelKind, ReplyAddress
from bot.domain.sla import Severity, SlaPolicy

CST = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Beijing wall time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(timezone.utc)


def new_incident(policy: SlaPolicy, *, severity: Severity = Severity.L4,
                 reported: str = "2026-10-09T10:00") -> Incident:
    return Incident.open(
        number="2026-0001", title="  首页  轮播图不显示 ", description="从昨天起首页轮播图空白",
        category=Category.FAULT, severity=severity, channel=ChannelKind.QQ, requester_id=7,
        reply_address=ReplyAddress(ChannelKind.QQ, "group:555", "msg:1", "10001"),
        reported_at=at(reported), actor="张老师", policy=policy)


def walk_to(incident: Incident, target: Status, policy: SlaPolicy, when: datetime) -> None:
    path = [Status.ACKNOWLEDGED, Status.ANALYSING, Status.PLANNED, Status.IN_PROGRESS]
    for status in path:
        if incident.status is target:
            return
        incident.transition(status, at=when, actor="desk", policy=policy)


def test_open_starts_clocks_and_records_opened(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    assert incident.title == "首页 轮播图不显示"
    assert incident.status is Status.NEW
    assert incident.response_due_at == at("2026-10-13T10:00")  # Sat 10-10 is a make-up day
    assert incident.feedback_due_at == at("2026-10-12T10:00")
    assert incident.next_due_at == incident.feedback_due_at
    [event] = incident.drain_events()
    assert (event.kind, event.actor, event.public) == (EventKind.OPENED, "张老师", True)
    assert incident.drain_events() == []


def test_empty_title_is_refused(policy: SlaPolicy) -> None:
    with pytest.raises(InvalidInputError) as err:
        Incident.open(number="2026-0002", title="  ", description="", category=Category.OTHER,
                      severity=Severity.L5, channel=ChannelKind.WEB, requester_id=None,
                      reply_address=None, reported_at=at("2026-10-09T10:00"), actor="x",
                      policy=policy)
    assert err.value.user_message == "标题不能为空。"


ALL_PAIRS = list(product(Status, Status))


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_transition_table_is_enforced(policy: SlaPolicy, source: Status, target: Status) -> None:
    incident = new_incident(policy)
    incident.status = source
    if source is Status.WAITING_ON_REQUESTER:
        incident.sla_paused_at = at("2026-10-09T11:00")
    allowed = target in TRANSITIONS[source]
    if allowed:
        incident.transition(target, at=at("2026-10-09T12:00"), actor="desk", policy=policy)
        assert incident.status is target
        assert incident.pending_events[-1].data["to"] == target.value
    else:
        with pytest.raises(IllegalTransitionError) as err:
            incident.transition(target, at=at("2026-10-09T12:00"), actor="desk", policy=policy)
        assert incident.status is source
        assert "2026-0001" in err.value.user_message


def test_first_taker_owns_and_acknowledges(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    incident.take("li", at=at("2026-10-09T10:05"), policy=policy)
    incident.take("wang", at=at("2026-10-09T10:06"), policy=policy)
    assert (incident.owner, incident.assignee) == ("li", "wang")
    assert incident.status is Status.ACKNOWLEDGED
    assert incident.acknowledged_at == at("2026-10-09T10:05")
    kinds = [e.kind for e in incident.drain_events()]
    assert kinds == [EventKind.OPENED, EventKind.TAKEN, EventKind.STATUS_CHANGED, EventKind.TAKEN]


def test_waiting_on_requester_pauses_the_clock_across_a_weekend(policy: SlaPolicy) -> None:
    incident = new_incident(policy, severity=Severity.L3, reported="2026-11-20T09:00")  # Fri
    assert incident.response_due_at == at("2026-11-23T17:00")  # Mon
    incident.take("li", at=at("2026-11-20T10:00"), policy=policy)
    incident.transition(Status.WAITING_ON_REQUESTER, at=at("2026-11-20T13:00"), actor="li",
                        policy=policy)
    assert incident.next_due_at == incident.feedback_due_at  # paused: response not counted
    # The requester answers on Tuesday at 10:00: Fri 13-17 (4h) and Mon (8h) were paused.
    incident.transition(Status.ACKNOWLEDGED, at=at("2026-11-24T10:00"), actor="张老师",
                        policy=policy)
    assert incident.sla_paused_work == timedelta(hours=13)
    assert incident.response_due_at == at("2026-11-25T14:00")
    kinds = [e.kind for e in incident.drain_events()]
    assert EventKind.SLA_PAUSED in kinds and EventKind.SLA_RESUMED in kinds


def test_around_the_clock_target_pauses_in_wall_time(policy: SlaPolicy) -> None:
    incident = new_incident(policy, severity=Severity.L1, reported="2026-11-22T03:00")  # Sun
    assert incident.response_due_at == at("2026-11-22T03:15")
    incident.transition(Status.ACKNOWLEDGED, at=at("2026-11-22T03:05"), actor="li", policy=policy)
    incident.transition(Status.WAITING_ON_REQUESTER, at=at("2026-11-22T03:10"), actor="li",
                        policy=policy)
    incident.transition(Status.ACKNOWLEDGED, at=at("2026-11-22T04:10"), actor="li", policy=policy)
    assert incident.response_due_at == at("2026-11-22T04:15")


def test_resolution_needs_confirmation_to_close(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    walk_to(incident, Status.IN_PROGRESS, policy, at("2026-10-09T11:00"))
    incident.transition(Status.RESOLVED, at=at("2026-10-09T15:00"), actor="li", policy=policy)
    assert incident.response_due_at is None and incident.resolved_at == at("2026-10-09T15:00")
    incident.confirm(at=at("2026-10-10T09:30"), actor="张老师", policy=policy)
    assert (incident.status, incident.resolution) == (Status.CLOSED, Resolution.CONFIRMED)
    with pytest.raises(IllegalTransitionError):
        incident.confirm(at=at("2026-10-10T09:31"), actor="张老师", policy=policy)


def test_reopen_restarts_the_full_target(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    walk_to(incident, Status.IN_PROGRESS, policy, at("2026-10-09T11:00"))
    incident.transition(Status.RESOLVED, at=at("2026-10-09T15:00"), actor="li", policy=policy)
    incident.transition(Status.IN_PROGRESS, at=at("2026-10-12T09:00"), actor="张老师",
                        policy=policy, note="问题仍在")
    assert incident.response_due_at == at("2026-10-14T17:00")
    assert incident.resolved_at is None
    assert incident.pending_events[-1].kind is EventKind.REOPENED


def test_severity_change_recomputes_from_report(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    incident.set_severity(Severity.L2, at=at("2026-10-09T10:10"), actor="desk", policy=policy)
    assert incident.response_due_at == at("2026-10-09T10:30")
    assert incident.pending_events[-1].data == {"from": "l4", "to": "l2"}


def test_plan_walks_to_planned_and_sets_deadline(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    incident.set_plan(at("2026-10-15T17:00"), at=at("2026-10-09T11:00"), actor="li",
                      policy=policy, note="更换轮播组件")
    assert incident.status is Status.PLANNED and incident.plan_due_at == at("2026-10-15T17:00")


def test_escalation_level_only_rises(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    incident.escalate(2, at=at("2026-10-09T12:00"), actor="system", reason="breach")
    incident.escalate(1, at=at("2026-10-09T12:01"), actor="system", reason="warning")
    assert incident.escalation_level == 2
    assert [e.kind for e in incident.drain_events()].count(EventKind.ESCALATED) == 1


def test_duplicate_closes_and_stops_every_clock(policy: SlaPolicy) -> None:
    incident = new_incident(policy)
    incident.close_as_duplicate("2026-0000", at=at("2026-10-09T10:30"), actor="desk")
    assert incident.status is Status.CLOSED and incident.next_due_at is None
    with pytest.raises(IllegalTransitionError):
        incident.assign("li", at=at("2026-10-09T10:31"), actor="desk")
    with pytest.raises(InvalidInputError):
        new_incident(policy).close_as_duplicate("2026-0001", at=at("2026-10-09T10:30"),
                                                actor="desk")


@pytest.mark.parametrize(("text", "number"), [
    ("工单 2026-0042 还没解决", "2026-0042"),
    ("Re: [2026-42] 首页", None),
    ("查询2026-00042", "2026-0042"),
    ("电话 13920261234", None),
    ("没有编号", None),
])
def test_find_incident_number(text: str, number: str | None) -> None:
    assert find_incident_number(text) == number


def test_category_accepts_value_or_label() -> None:
    assert Category.from_text("故障") is Category.FAULT
    assert Category.from_text("security") is Category.SECURITY
    with pytest.raises(InvalidInputError):
        Category.from_text("天气")
