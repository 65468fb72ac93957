"""The contract's clocks on an incident: the escalation ladder and the obligations' next times.

Every deadline the sweep acts on is derived here from the incident's stored fields and the
rules, so that the sweep can recompute it after each step and a rerun finds nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from bot.domain.duration import Duration
from bot.domain.incident import Incident, Status
from bot.domain.sla import Severity, SlaPolicy


class Step(IntEnum):
    """Rungs of the escalation ladder; ``Incident.escalation_level`` holds the last one taken."""

    NONE = 0
    PAGE = 1          # L1/L2: the on-call engineer is paged at once, around the clock
    WARNING = 2       # a share of the response target is used up: warn the owner or the desk
    BREACH = 3        # the target passed: tell the service manager
    SECOND_LINE = 4   # a further delay: hand over to the second line / development


@dataclass(frozen=True, slots=True)
class ClockRules:
    """Configuration of the ladder and the obligations (defaults follow the contract)."""

    warn_share: float = 0.75
    second_line_after: Duration = Duration(timedelta(hours=4))
    page_severities: frozenset[Severity] = frozenset({Severity.L1, Severity.L2})
    plan_reminder_before: Duration = Duration(timedelta(hours=4))
    confirmation_reminder: Duration = Duration.working_days(2)
    max_confirmation_reminders: int = 1
    auto_close_after: Duration | None = None
    steps: tuple[Step, ...] = field(
        default=(Step.PAGE, Step.WARNING, Step.BREACH, Step.SECOND_LINE))


def ladder_for(severity: Severity, rules: ClockRules) -> tuple[Step, ...]:
    """The rungs that apply to ``severity`` (paging only for the around-the-clock levels)."""
    return tuple(s for s in rules.steps
                 if s is not Step.PAGE or severity in rules.page_severities)


def step_time(incident: Incident, step: Step, policy: SlaPolicy, rules: ClockRules
              ) -> datetime | None:
    """When ``step`` falls due for ``incident``, or None while the response clock is stopped."""
    due = incident.response_due_at
    if due is None or incident.sla_paused_at is not None:
        return None
    target = policy.response[incident.severity]
    if step is Step.PAGE:
        return incident.response_started_at or incident.reported_at
    if step is Step.WARNING:
        return _before(due, target, 1.0 - rules.warn_share, policy)
    if step is Step.BREACH:
        return due
    return policy.calendar.add(due, rules.second_line_after)


def next_step(incident: Incident, rules: ClockRules) -> Step | None:
    """The rung after the one last taken, if any."""
    for step in ladder_for(incident.severity, rules):
        if step > incident.escalation_level:
            return step
    return None


def plan_action_at(incident: Incident, policy: SlaPolicy, rules: ClockRules) -> datetime | None:
    """Plan reminder before the deadline (stage 0), then the lapse at the deadline (stage 1)."""
    if incident.plan_due_at is None or incident.status not in (Status.PLANNED,
                                                               Status.IN_PROGRESS):
        return None
    if incident.plan_stage == 0:
        return _before(incident.plan_due_at, rules.plan_reminder_before, 1.0, policy)
    return incident.plan_due_at if incident.plan_stage == 1 else None


def schedule(incident: Incident, policy: SlaPolicy, rules: ClockRules) -> None:
    """Recompute every stored next-time from the incident's state; call before each save."""
    step = next_step(incident, rules)
    incident.next_escalation_at = (step_time(incident, step, policy, rules)
                                   if step is not None and incident.is_open else None)
    if incident.status is Status.RESOLVED and incident.resolved_at is not None:
        if incident.confirmation_reminders < rules.max_confirmation_reminders:
            incident.confirmation_due_at = policy.calendar.add(
                incident.resolved_at, _times(rules.confirmation_reminder,
                                             incident.confirmation_reminders + 1))
        else:
            incident.confirmation_due_at = None
        incident.auto_close_at = (policy.calendar.add(incident.resolved_at,
                                                      rules.auto_close_after)
                                  if rules.auto_close_after is not None else None)
    else:
        incident.confirmation_due_at = incident.auto_close_at = None
    if not incident.is_open:
        incident.feedback_due_at = None
    incident.plan_action_at = plan_action_at(incident, policy, rules)


def _before(end: datetime, span: Duration, share: float, policy: SlaPolicy) -> datetime:
    """``share`` of ``span`` before ``end``, counted in duty time for working durations."""
    if span.working:
        work = policy.calendar.working_amount(span) * share
        return policy.calendar.add_working_time(end, -work)
    return end - span.amount * share


def _times(span: Duration, count: int) -> Duration:
    return Duration(span.amount * count, span.working)
