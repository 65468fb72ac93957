"""The incident: its fields, its status machine, and the timeline events every change produces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Mapping

from bot.domain.errors import IllegalTransitionError, InvalidInputError
from bot.domain.events import EventKind, TimelineEvent
from bot.domain.messages import ChannelKind, ReplyAddress
from bot.domain.sla import Severity, SlaPolicy


class Status(StrEnum):
    """Where an incident stands; values are stored as-is."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ANALYSING = "analysing"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_REQUESTER = "waiting_on_requester"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """Chinese name shown to people."""
        return _STATUS_LABELS[self]


_STATUS_LABELS: Final = {
    Status.NEW: "新建",
    Status.ACKNOWLEDGED: "已受理",
    Status.ANALYSING: "分析中",
    Status.PLANNED: "已定方案",
    Status.IN_PROGRESS: "处理中",
    Status.WAITING_ON_REQUESTER: "等待用户反馈",
    Status.RESOLVED: "已解决待确认",
    Status.CLOSED: "已关闭",
}

_WORKING: Final = frozenset(
    {Status.ACKNOWLEDGED, Status.ANALYSING, Status.PLANNED, Status.IN_PROGRESS}
)

# The contract's flow is new → acknowledged → analysing → planned → in progress → resolved
# → closed. Two widenings, both deliberate: the desk may wait on the requester from any
# working status (a screenshot is often needed during analysis, not only during the fix) and
# returns to the status it left; and a resolution may be recorded from any working status,
# because a consultation answered on the spot has no plan. Closing requires a resolution;
# reopening goes back to in progress.
TRANSITIONS: Final[Mapping[Status, frozenset[Status]]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED}),
    Status.ACKNOWLEDGED: frozenset(
        {Status.ANALYSING, Status.WAITING_ON_REQUESTER, Status.RESOLVED}
    ),
    Status.ANALYSING: frozenset({Status.PLANNED, Status.WAITING_ON_REQUESTER, Status.RESOLVED}),
    Status.PLANNED: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_REQUESTER, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_ON_REQUESTER, Status.RESOLVED}),
    Status.WAITING_ON_REQUESTER: _WORKING | {Status.RESOLVED},
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}

OPEN_STATUSES: Final = frozenset(Status) - {Status.CLOSED}


class Category(StrEnum):
    """The contract's kinds of request."""

    FAULT = "fault"
    CONSULTATION = "consultation"
    PARTIAL_MODIFICATION = "partial_modification"
    DEPARTMENT_SITE = "department_site"
    SECURITY = "security"
    BACKUP_RESTORE = "backup_restore"
    TRAINING = "training"
    CHANGE_REQUEST = "change_request"
    DEFECT = "defect"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Chinese name shown to people."""
        return _CATEGORY_LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Category:
        """Accept a value (``fault``) or a Chinese label (``故障``)."""
        text = text.strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        raise InvalidInputError(f"unknown category {text!r}", f"未知的类别“{text}”。")


_CATEGORY_LABELS: Final = {
    Category.FAULT: "故障",
    Category.CONSULTATION: "咨询",
    Category.PARTIAL_MODIFICATION: "局部修改",
    Category.DEPARTMENT_SITE: "部门网站建设",
    Category.SECURITY: "安全漏洞",
    Category.BACKUP_RESTORE: "备份恢复",
    Category.TRAINING: "培训",
    Category.CHANGE_REQUEST: "需求变更",
    Category.DEFECT: "缺陷",
    Category.OTHER: "其他",
}


class Resolution(StrEnum):
    """How a closed incident ended."""

    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    DUPLICATE = "duplicate"


INCIDENT_NUMBER_RE: Final = re.compile(r"(?<!\d)(20\d{2})-(\d{4,6})(?!\d)")


def format_incident_number(year: int, sequence: int) -> str:
    """The number people see and type: ``2026-0042``."""
    return f"{year:04d}-{sequence:04d}"


def find_incident_number(text: str) -> str | None:
    """The first incident number written in ``text``, normalised, or None."""
    match = INCIDENT_NUMBER_RE.search(text)
    if match is None:
        return None
    return format_incident_number(int(match.group(1)), int(match.group(2)))


@dataclass
class Incident:
    """One request in the ledger. Mutators check the rules and append timeline events."""

    number: str
    title: str
    description: str
    category: Category
    severity: Severity
    channel: ChannelKind
    requester_id: int | None
    reply_address: ReplyAddress | None
    reported_at: datetime
    status: Status = Status.NEW
    owner: str | None = None
    assignee: str | None = None
    escalation_level: int = 0
    resolution: Resolution | None = None
    duplicate_of: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    response_started_at: datetime | None = None
    response_due_at: datetime | None = None
    sla_paused_at: datetime | None = None
    sla_paused_wall: timedelta = timedelta(0)
    sla_paused_work: timedelta = timedelta(0)
    resume_status: Status | None = None
    feedback_due_at: datetime | None = None
    plan_due_at: datetime | None = None
    confirmation_due_at: datetime | None = None
    analysis_done_at: datetime | None = None
    next_escalation_at: datetime | None = None
    feedback_stage: int = 0
    plan_stage: int = 0
    confirmation_reminders: int = 0
    auto_close_at: datetime | None = None
    tracking_token: str | None = None
    plan_action_at: datetime | None = None  # derived by clocks.schedule(), not stored
    id: int | None = None
    pending_events: list[TimelineEvent] = field(default_factory=list)

    # -- creation -----------------------------------------------------------------------

    @classmethod
    def open(cls, *, number: str, title: str, description: str, category: Category,
             severity: Severity, channel: ChannelKind, requester_id: int | None,
             reply_address: ReplyAddress | None, reported_at: datetime, actor: str,
             policy: SlaPolicy, tracking_token: str | None = None) -> Incident:
        """A new incident with its response and feedback-form clocks started."""
        title = " ".join(title.split())
        if not title:
            raise InvalidInputError("empty incident title", "标题不能为空。")
        incident = cls(number=number, title=title[:200], description=description,
                       category=category, severity=severity, channel=channel,
                       requester_id=requester_id, reply_address=reply_address,
                       reported_at=reported_at, response_started_at=reported_at,
                       tracking_token=tracking_token)
        incident.response_due_at = incident._compute_response_due(policy)
        incident.feedback_due_at = policy.feedback_form_due(reported_at)
        incident._record(EventKind.OPENED, actor, reported_at, public=True,
                         channel=channel.value, severity=severity.value,
                         category=category.value, title=incident.title)
        return incident

    # -- status machine -----------------------------------------------------------------

    def transition(self, to: Status, *, at: datetime, actor: str, policy: SlaPolicy,
                   note: str | None = None) -> None:
        """Move along the transition table, keeping the SLA clock paused or running."""
        if to not in TRANSITIONS[self.status]:
            raise IllegalTransitionError(self.number, self.status.value, to.value)
        before = self.status
        if before is Status.WAITING_ON_REQUESTER:
            self._resume_clock(at, actor, policy)
        if to is Status.WAITING_ON_REQUESTER:
            self._pause_clock(at, actor, resume_to=before)
        self.status = to
        if to is Status.ACKNOWLEDGED and self.acknowledged_at is None:
            self.acknowledged_at = at
        if to is Status.RESOLVED:
            self.resolved_at = at
            self.response_due_at = None
        if before in (Status.RESOLVED, Status.CLOSED) and to is Status.IN_PROGRESS:
            self._restart_after_reopen(at, policy)
        if to is Status.CLOSED:
            self.closed_at = at
        kind = EventKind.REOPENED if before in (Status.RESOLVED, Status.CLOSED) else (
            EventKind.STATUS_CHANGED)
        self._record(kind, actor, at, public=True, change=(before.value, to.value),
                     note=note)

    def take(self, staff: str, *, at: datetime, policy: SlaPolicy) -> None:
        """The first staff member who takes an incident owns it; taking also acknowledges."""
        if self.status is Status.CLOSED:
            raise IllegalTransitionError(self.number, self.status.value, "taken")
        if self.owner is None:
            self.owner = staff
        self.assignee = staff
        self._record(EventKind.TAKEN, staff, at, owner=self.owner, assignee=staff)
        if self.status is Status.NEW:
            self.transition(Status.ACKNOWLEDGED, at=at, actor=staff, policy=policy)

    def assign(self, staff: str, *, at: datetime, actor: str) -> None:
        """Hand the work to ``staff``; the owner stays who answers for it."""
        self._require_open("assign")
        previous, self.assignee = self.assignee, staff
        self._record(EventKind.ASSIGNED, actor, at, change=(previous, staff))

    def set_severity(self, severity: Severity, *, at: datetime, actor: str,
                     policy: SlaPolicy) -> None:
        """Change the level and recompute the response target from the clock's start."""
        self._require_open("set severity")
        previous, self.severity = self.severity, severity
        if self.response_due_at is not None or self.sla_paused_at is not None:
            self.response_due_at = self._compute_response_due(policy)
            # A new target means a new ladder: raising to L1 must page even after a warning.
            self.escalation_level = 0
        self._record(EventKind.SEVERITY_CHANGED, actor, at, public=True,
                     change=(previous.value, severity.value))

    def set_category(self, category: Category, *, at: datetime, actor: str) -> None:
        """Reclassify the request."""
        self._require_open("set category")
        previous, self.category = self.category, category
        self._record(EventKind.CATEGORY_CHANGED, actor, at,
                     change=(previous.value, category.value))

    def set_plan(self, due_at: datetime, *, at: datetime, actor: str, policy: SlaPolicy,
                 note: str | None = None) -> None:
        """Record the plan agreed with the requester and its deadline."""
        self._require_open("set plan")
        if self.status in (Status.NEW, Status.ACKNOWLEDGED):
            if self.status is Status.NEW:
                self.transition(Status.ACKNOWLEDGED, at=at, actor=actor, policy=policy)
            self.transition(Status.ANALYSING, at=at, actor=actor, policy=policy)
        if self.status is Status.ANALYSING:
            self.transition(Status.PLANNED, at=at, actor=actor, policy=policy)
        self.plan_due_at = due_at
        self._record(EventKind.PLAN_SET, actor, at, public=True,
                     due_at=due_at.isoformat(), note=note)

    def add_note(self, text: str, *, at: datetime, actor: str, public: bool = False) -> None:
        """A progress note; public ones are shown to the requester."""
        if not text.strip():
            raise InvalidInputError("empty note", "内容不能为空。")
        self._record(EventKind.NOTE_ADDED, actor, at, public=public, text=text)

    def confirm(self, *, at: datetime, actor: str, policy: SlaPolicy) -> None:
        """The requester confirms the fix: only this makes a resolution count."""
        if self.status is not Status.RESOLVED:
            raise IllegalTransitionError(self.number, self.status.value, Status.CLOSED.value)
        self.resolution = Resolution.CONFIRMED
        self.confirmation_due_at = None
        self._record(EventKind.CONFIRMED, actor, at, public=True)
        self.transition(Status.CLOSED, at=at, actor=actor, policy=policy)

    def close_unconfirmed(self, *, at: datetime, actor: str, policy: SlaPolicy) -> None:
        """Automatic closure of a resolution nobody confirmed: recorded as not confirmed."""
        if self.status is not Status.RESOLVED:
            raise IllegalTransitionError(self.number, self.status.value, Status.CLOSED.value)
        self.resolution = Resolution.NOT_CONFIRMED
        self.confirmation_due_at = self.auto_close_at = None
        self.transition(Status.CLOSED, at=at, actor=actor, policy=policy,
                        note="用户未确认，自动关闭（不计为已解决）")

    def escalate(self, level: int, *, at: datetime, actor: str, reason: str) -> None:
        """Record that the escalation ladder reached ``level`` (never goes down)."""
        if level <= self.escalation_level:
            return
        self.escalation_level = level
        self._record(EventKind.ESCALATED, actor, at, level=level, reason=reason)

    def close_as_duplicate(self, of: str, *, at: datetime, actor: str) -> None:
        """Close this incident as a duplicate of another, from any open status."""
        self._require_open("merge")
        if of == self.number:
            raise InvalidInputError("incident merged into itself", "不能把工单合并到自身。")
        before = self.status
        self.status, self.resolution, self.duplicate_of = Status.CLOSED, Resolution.DUPLICATE, of
        self.closed_at, self.response_due_at, self.sla_paused_at = at, None, None
        self.feedback_due_at = self.plan_due_at = self.confirmation_due_at = None
        self._record(EventKind.STATUS_CHANGED, actor, at, public=True,
                     change=(before.value, Status.CLOSED.value), duplicate_of=of)

    def record(self, kind: EventKind, *, at: datetime, actor: str, public: bool = False,
               **data: object) -> None:
        """Append an event that changes no field (a message, a queued notice)."""
        self._record(kind, actor, at, public=public, extra=data)

    # -- derived --------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Anything but closed."""
        return self.status is not Status.CLOSED

    @property
    def next_due_at(self) -> datetime | None:
        """The earliest time the sweep must look at this incident; the sweep's index is on it.

        The response target itself is watched through ``next_escalation_at`` (the ladder's next
        rung), which ``bot.domain.clocks.schedule`` derives before every save.
        """
        running = [self.next_escalation_at, self.feedback_due_at, self.plan_action_at,
                   self.confirmation_due_at, self.auto_close_at]
        dues = [due for due in running if due is not None]
        return min(dues) if dues else None

    def drain_events(self) -> list[TimelineEvent]:
        """Hand over the events not yet stored."""
        events, self.pending_events = self.pending_events, []
        return events

    # -- helpers --------------------------------------------------------------------------

    def _compute_response_due(self, policy: SlaPolicy) -> datetime:
        start = self.response_started_at or self.reported_at
        target = policy.response[self.severity]
        due = policy.calendar.add(start, target)
        if target.working:
            return policy.calendar.add_working_time(due, self.sla_paused_work)
        return due + self.sla_paused_wall

    def _pause_clock(self, at: datetime, actor: str, *, resume_to: Status) -> None:
        self.sla_paused_at, self.resume_status = at, resume_to
        self._record(EventKind.SLA_PAUSED, actor, at)

    def _resume_clock(self, at: datetime, actor: str, policy: SlaPolicy) -> None:
        if self.sla_paused_at is not None:
            # A message delivered late (QQ replays offline messages) must not shorten the SLA.
            at = max(at, self.sla_paused_at)
            self.sla_paused_wall += at - self.sla_paused_at
            self.sla_paused_work += policy.calendar.working_time_between(self.sla_paused_at, at)
        self.sla_paused_at, self.resume_status = None, None
        if self.response_due_at is not None:
            self.response_due_at = self._compute_response_due(policy)
        self._record(EventKind.SLA_RESUMED, actor, at)

    def _restart_after_reopen(self, at: datetime, policy: SlaPolicy) -> None:
        # A reopened incident gets the full response target again, counted from the reopening.
        self.response_started_at, self.sla_paused_wall, self.sla_paused_work = at, timedelta(0), (
            timedelta(0))
        self.resolved_at = self.closed_at = self.resolution = None
        self.confirmation_due_at = None
        self.escalation_level, self.plan_stage = 0, 0  # the ladder climbs again from the bottom
        self.response_due_at = self._compute_response_due(policy)

    def _require_open(self, action: str) -> None:
        if self.status is Status.CLOSED:
            raise IllegalTransitionError(self.number, self.status.value, action)

    def _record(self, kind: EventKind, actor: str, at: datetime, *, public: bool = False,
                change: tuple[object, object] | None = None,
                extra: Mapping[str, object] | None = None, **data: object) -> None:
        data.update(extra or {})
        if change is not None:
            data["from"], data["to"] = change
        clean = {key: value for key, value in data.items() if value is not None}
        self.pending_events.append(TimelineEvent(kind, actor, at, clean, public))
