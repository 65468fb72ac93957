"""Incident actions for staff and requesters: one transaction each, with timeline and notices.

Every channel (web console, REST API, QQ commands, staff email) calls these; none of them
changes an incident any other way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.clocks import ClockRules, schedule
from bot.domain.errors import IllegalTransitionError, InvalidInputError
from bot.domain.events import EventKind
from bot.domain.incident import Category, Incident, Status
from bot.domain.messages import NoticeKind, ReplyAddress
from bot.domain.sla import Severity, SlaPolicy
from bot.domain.staff import Permission, PermissionDeniedError, Staff
from bot.services.clock import Clock
from bot.services.notices import NoticeRenderer, notice_key
from bot.services.recipients import Recipients
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

T = TypeVar("T")
Change = Callable[[UnitOfWork, Incident, datetime], Awaitable[T]]


@dataclass
class IncidentActions:
    """The ledger's verbs. Staff verbs check the role; requester verbs check ownership."""

    session_factory: async_sessionmaker[AsyncSession]
    policy: SlaPolicy
    clock: Clock
    renderer: NoticeRenderer
    rules: ClockRules = field(default_factory=ClockRules)
    on_committed: Callable[[], None] = lambda: None
    escalator: Callable[[str, Staff, str], Awaitable[Incident]] | None = None
    recipients: Recipients | None = None

    # -- staff -------------------------------------------------------------------------

    async def take(self, number: str, staff: Staff) -> Incident:
        """Claim the incident: the first taker owns it."""
        staff.require(Permission.WORK)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            _take(incident, staff, now, self.policy)
            await self._progress(uow, incident, now, headline=f"{staff.display_name} 已受理")
        return await self._apply(number, change)

    async def assign(self, number: str, staff: Staff, assignee: str) -> Incident:
        """Hand the work to another staff member (who must exist)."""
        staff.require(Permission.TRIAGE)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            target = await uow.staff.by_username(assignee)
            if target is None or not target.active:
                raise InvalidInputError(f"unknown staff {assignee!r}",
                                        f"找不到工作人员“{assignee}”。")
            if incident.owner is None:
                incident.owner = target.username
            incident.assign(target.username, at=now, actor=staff.username)
        return await self._apply(number, change)

    async def set_severity(self, number: str, staff: Staff, severity: Severity) -> Incident:
        """Change the level; the response target is recomputed."""
        staff.require(Permission.TRIAGE)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            incident.set_severity(severity, at=now, actor=staff.username, policy=self.policy)
        return await self._apply(number, change)

    async def set_category(self, number: str, staff: Staff, category: Category) -> Incident:
        """Reclassify the request."""
        staff.require(Permission.TRIAGE)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            incident.set_category(category, at=now, actor=staff.username)
        return await self._apply(number, change)

    async def analysis_done(self, number: str, staff: Staff, conclusion: str) -> Incident:
        """Record the analysis; the second feedback form falls due now."""
        staff.require(Permission.WORK)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            _walk_to_analysing(incident, staff, now, self.policy)
            incident.analysis_done_at = now
            incident.feedback_due_at = now  # the feedback form again, with the analysis
            incident.record(EventKind.NOTE_ADDED, at=now, actor=staff.username, public=True,
                            text=conclusion, analysis=True)
            await self._progress(uow, incident, now, headline="分析已完成", note=conclusion)
        return await self._apply(number, change)

    async def set_plan(self, number: str, staff: Staff, due_at: datetime, plan: str) -> Incident:
        """The fix and the date agreed with the requester."""
        staff.require(Permission.WORK)
        if due_at <= self.clock():
            raise InvalidInputError("plan deadline in the past", "计划完成时间必须晚于现在。")

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            incident.set_plan(due_at, at=now, actor=staff.username, policy=self.policy, note=plan)
            incident.plan_stage = 0
            await self._progress(uow, incident, now, headline="已制定处理方案", note=plan)
        return await self._apply(number, change)

    async def start_work(self, number: str, staff: Staff) -> Incident:
        """Planned → in progress."""
        staff.require(Permission.WORK)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            incident.transition(Status.IN_PROGRESS, at=now, actor=staff.username,
                                policy=self.policy)
        return await self._apply(number, change)

    async def add_progress(self, number: str, staff: Staff, text: str, *,
                           public: bool = True) -> Incident:
        """A progress note; a public one is also sent to the requester."""
        staff.require(Permission.WORK)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            incident.add_note(text, at=now, actor=staff.username, public=public)
            if public:
                await self._progress(uow, incident, now, headline="处理进展", note=text)
        return await self._apply(number, change)

    async def reply(self, number: str, staff: Staff, text: str, *,
                    wait_for_answer: bool = False) -> Incident:
        """Write to the requester through the incident's origin channel."""
        staff.require(Permission.WORK)
        if not text.strip():
            raise InvalidInputError("empty reply", "回复内容不能为空。")

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            if wait_for_answer and incident.status is not Status.WAITING_ON_REQUESTER:
                incident.transition(Status.WAITING_ON_REQUESTER, at=now, actor=staff.username,
                                    policy=self.policy)
            assert incident.id is not None
            await uow.messages.add(incident_id=incident.id, direction="out",
                                   channel=incident.channel.value, text=text, at=now,
                                   author=staff.display_name)
            incident.record(EventKind.MESSAGE_SENT, at=now, actor=staff.username, public=True)
            await self._queue(uow, incident, now, NoticeKind.REPLY, note=text,
                              staff_name=staff.display_name)
        return await self._apply(number, change)

    async def resolve(self, number: str, staff: Staff, note: str) -> Incident:
        """Record the fix and ask the requester to confirm it."""
        staff.require(Permission.WORK)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            if incident.status is Status.NEW:
                _take(incident, staff, now, self.policy)
            incident.transition(Status.RESOLVED, at=now, actor=staff.username,
                                policy=self.policy, note=note)
            incident.confirmation_reminders = 0
            await self._queue(uow, incident, now, NoticeKind.CONFIRMATION_REQUEST, note=note)
        return await self._apply(number, change)

    async def reopen(self, number: str, staff: Staff, reason: str) -> Incident:
        """Staff reopen a resolved or closed incident."""
        staff.require(Permission.WORK)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            incident.transition(Status.IN_PROGRESS, at=now, actor=staff.username,
                                policy=self.policy, note=reason)
            await self._progress(uow, incident, now, headline="工单已重新打开", note=reason)
        return await self._apply(number, change)

    async def merge(self, number: str, staff: Staff, into: str) -> Incident:
        """Close ``number`` as a duplicate of ``into`` (which must exist and be open)."""
        staff.require(Permission.TRIAGE)

        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            target = await uow.incidents.by_number(into, for_update=True)
            if not target.is_open:
                raise InvalidInputError("merge into closed", f"工单 {into} 已关闭，不能合并到它。")
            incident.close_as_duplicate(into, at=now, actor=staff.username)
            target.record(EventKind.NOTE_ADDED, at=now, actor=staff.username,
                          text=f"工单 {number} 作为重复工单合并到此")
            schedule(target, self.policy, self.rules)
            await uow.incidents.save(target, now=now)
            await self._progress(uow, incident, now, headline=f"已合并到工单 {into} 继续处理")
        return await self._apply(number, change)

    async def escalate(self, number: str, staff: Staff, reason: str) -> Incident:
        """Take the next rung of the ladder now (the sweep service does the work)."""
        if self.escalator is None:
            raise InvalidInputError("escalation not wired", "暂不支持手动升级。")
        incident = await self.escalator(number, staff, reason)
        self.on_committed()
        return incident

    # -- requester ---------------------------------------------------------------------

    async def confirm(self, number: str, contact_id: int, actor_name: str) -> Incident:
        """The requester confirms the fix: the only way a resolution counts."""
        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            _require_requester(incident, contact_id)
            incident.confirm(at=now, actor=actor_name, policy=self.policy)
        return await self._apply(number, change)

    async def not_resolved(self, number: str, contact_id: int, actor_name: str,
                           reason: str) -> Incident:
        """The requester says it is not fixed: the incident reopens."""
        async def change(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
            _require_requester(incident, contact_id)
            if incident.status is not Status.RESOLVED:
                # A closed incident stays closed: a new report opens a new incident.
                raise IllegalTransitionError(number, incident.status.value, "not_resolved")
            incident.transition(Status.IN_PROGRESS, at=now, actor=actor_name,
                                policy=self.policy, note=reason or "用户反馈未解决")
            await self._tell_owner(uow, incident, now, headline=f"{actor_name} 反馈问题未解决",
                                   note=reason or None)
        return await self._apply(number, change)

    # -- plumbing ----------------------------------------------------------------------

    async def _apply(self, number: str, change: Change[None]) -> Incident:
        now = self.clock()
        async with UnitOfWork(self.session_factory) as uow:
            incident = await uow.incidents.by_number(number, for_update=True)
            await change(uow, incident, now)
            schedule(incident, self.policy, self.rules)
            await uow.incidents.save(incident, now=now)
            await uow.commit()
        logger.info("incident=%s status=%s changed", incident.number, incident.status.value)
        self.on_committed()
        return incident

    async def _tell_owner(self, uow: UnitOfWork, incident: Incident, now: datetime, *,
                          headline: str, note: str | None) -> None:
        """Staff hear at once what a requester did (the owner, else the desk)."""
        if self.recipients is None:
            return
        for address in await self.recipients.owner_or_desk(uow, incident):
            await self._queue(uow, incident, now, NoticeKind.PROGRESS, headline=headline,
                              note=note, address=address)

    async def _progress(self, uow: UnitOfWork, incident: Incident, now: datetime, *,
                        headline: str, note: str | None = None) -> None:
        await self._queue(uow, incident, now, NoticeKind.PROGRESS, headline=headline, note=note)

    async def _queue(self, uow: UnitOfWork, incident: Incident, now: datetime,
                     kind: NoticeKind, address: ReplyAddress | None = None,
                     **context: object) -> None:
        notice = self.renderer.notice(kind, incident, key=notice_key(kind, incident),
                                      address=address, **context)
        if notice is None:
            return
        assert incident.id is not None
        if await uow.outbox.add(notice, now=now, incident_id=incident.id):
            incident.record(EventKind.NOTICE_QUEUED, at=now, actor="system",
                            notice=kind.value, channel=notice.address.kind.value)


def _take(incident: Incident, staff: Staff, now: datetime, policy: SlaPolicy) -> None:
    incident.take(staff.username, at=now, policy=policy)
    if incident.feedback_stage == 0:
        incident.feedback_due_at = now  # the first feedback form goes out on acceptance


def _walk_to_analysing(incident: Incident, staff: Staff, now: datetime,
                       policy: SlaPolicy) -> None:
    if incident.status is Status.NEW:
        _take(incident, staff, now, policy)
    if incident.status is Status.ACKNOWLEDGED:
        incident.transition(Status.ANALYSING, at=now, actor=staff.username, policy=policy)


def _require_requester(incident: Incident, contact_id: int) -> None:
    if incident.requester_id != contact_id:
        raise PermissionDeniedError(f"contact:{contact_id}", Permission.WORK)
