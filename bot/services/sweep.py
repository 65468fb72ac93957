"""The sweep: visit incidents whose next time has come, take the ladder's rungs and keep the
contract's obligations (feedback form, plan deadline, confirmation), each exactly once.

Idempotent by construction: every action is derived from stored fields, advances a stored
level or stage in the same transaction as the notices it queues, and uses deterministic
idempotency keys; a rerun, a restart or a second instance finds nothing left to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.clocks import ClockRules, Step, next_step, schedule, step_time
from bot.domain.contact import IdentityKind
from bot.domain.events import EventKind, TimelineEvent
from bot.domain.incident import Incident, Status
from bot.domain.messages import ChannelKind, NoticeKind, ReplyAddress
from bot.domain.errors import InvalidInputError
from bot.domain.sla import SlaPolicy
from bot.domain.staff import Permission, Staff
from bot.services.clock import Clock
from bot.services.notices import NoticeRenderer
from bot.services.recipients import Recipients
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

STEP_LABELS = {Step.PAGE: "紧急故障", Step.WARNING: "即将超时", Step.BREACH: "已超时",
               Step.SECOND_LINE: "升级至二线"}


@dataclass
class SweepReport:
    """What one sweep did."""

    visited: int = 0
    actions: list[str] = field(default_factory=list)


@dataclass
class SweepService:
    """Applies the clocks to due incidents; run it as often as you like."""

    session_factory: async_sessionmaker[AsyncSession]
    policy: SlaPolicy
    rules: ClockRules
    clock: Clock
    renderer: NoticeRenderer
    recipients: Recipients
    batch: int = 200

    async def sweep(self) -> SweepReport:
        """One pass over what is due now (selected through the next_due_at index)."""
        now = self.clock()
        async with UnitOfWork(self.session_factory) as uow:
            due = await uow.incidents.due_ids(now, limit=self.batch)
        report = SweepReport()
        for incident_id in due:
            report.visited += 1
            report.actions += await self._visit(incident_id, now)
        if report.actions:
            logger.info("sweep visited=%d actions=%d", report.visited, len(report.actions))
        return report

    async def escalate_now(self, number: str, staff: Staff, reason: str) -> Incident:
        """Staff take the next rung at once (asking for help before the clock says so)."""
        staff.require(Permission.WORK)
        now = self.clock()
        async with UnitOfWork(self.session_factory) as uow:
            incident = await uow.incidents.by_number(number, for_update=True)
            step = next_step(incident, self.rules)
            if step is None or not incident.is_open:
                raise InvalidInputError("nothing to escalate", "该工单已升级到最高一级或已关闭。")
            incident.escalate(step.value, at=now, actor=staff.username, reason=reason)
            for address in await self._step_addresses(uow, incident, step, now):
                await self._queue(uow, incident, now, NoticeKind.ESCALATION, address,
                                  key=_escalation_key(incident, step, address),
                                  step_label=STEP_LABELS[step],
                                  detail=f"{staff.display_name} 手动升级：{reason}")
            if step is Step.SECOND_LINE:
                await self._handover(uow, incident, now)
            schedule(incident, self.policy, self.rules)
            await uow.incidents.save(incident, now=now)
            await uow.commit()
        return incident

    async def _visit(self, incident_id: int, now: datetime) -> list[str]:
        async with UnitOfWork(self.session_factory) as uow:
            incident = await uow.incidents.lock_for_sweep(incident_id)
            if incident is None:
                return []  # another instance is visiting it right now
            schedule(incident, self.policy, self.rules)  # from the truth, not the stored index
            done = await self._escalate(uow, incident, now)
            done += await self._feedback(uow, incident, now)
            done += await self._plan(uow, incident, now)
            done += await self._confirmation(uow, incident, now)
            schedule(incident, self.policy, self.rules)
            await uow.incidents.save(incident, now=now)
            await uow.commit()
        return done

    async def _escalate(self, uow: UnitOfWork, incident: Incident, now: datetime) -> list[str]:
        done = []
        while (step := next_step(incident, self.rules)) is not None:
            at = step_time(incident, step, self.policy, self.rules)
            if at is None or at > now or not incident.is_open:
                break
            incident.escalate(step.value, at=now, actor="system", reason=step.name.lower())
            for address in await self._step_addresses(uow, incident, step, now):
                await self._queue(uow, incident, now, NoticeKind.ESCALATION, address,
                                  key=_escalation_key(incident, step, address),
                                  step_label=STEP_LABELS[step], detail=None)
            if step is Step.SECOND_LINE:
                await self._handover(uow, incident, now)
            done.append(f"{incident.number}:{step.name.lower()}")
        return done

    async def _step_addresses(self, uow: UnitOfWork, incident: Incident, step: Step,
                              now: datetime) -> list[ReplyAddress]:
        if step is Step.PAGE:
            return await self.recipients.on_call(uow, now)
        if step is Step.WARNING:
            return await self.recipients.owner_or_desk(uow, incident)
        if step is Step.BREACH:
            return await self.recipients.managers(uow, also=incident.owner)
        return await self.recipients.second_line(uow)

    async def _handover(self, uow: UnitOfWork, incident: Incident, now: datetime) -> None:
        for address, extra in self.recipients.handover(incident):
            await self._queue(uow, incident, now, NoticeKind.HANDOVER, address, extra=extra,
                              key=f"handover:{incident.number}:{_start(incident)}:"
                                  f"{address.target}")

    async def _feedback(self, uow: UnitOfWork, incident: Incident, now: datetime) -> list[str]:
        if incident.feedback_due_at is None or incident.feedback_due_at > now:
            return []
        stage = 2 if incident.analysis_done_at is not None else 1
        incident.feedback_due_at = None
        if stage <= incident.feedback_stage:
            return []
        incident.feedback_stage = stage
        address = await self._requester_mail(uow, incident)
        requester = (await uow.contacts.by_id(incident.requester_id)).display_name \
            if incident.requester_id else "（未知）"
        analysis = _latest_analysis(await uow.incidents.timeline(incident.id or 0))
        await self._queue(uow, incident, now, NoticeKind.FEEDBACK_FORM, address,
                          key=f"feedback:{incident.number}:{stage}", requester_name=requester,
                          owner_name=incident.owner, analysis=analysis)
        return [f"{incident.number}:feedback_form_{stage}"]

    async def _plan(self, uow: UnitOfWork, incident: Incident, now: datetime) -> list[str]:
        if incident.plan_action_at is None or incident.plan_action_at > now:
            return []
        lapsed = incident.plan_stage >= 1
        incident.plan_stage += 1
        addresses = await self.recipients.owner_or_desk(uow, incident)
        if lapsed:
            addresses += await self.recipients.managers(uow)
        for address in addresses:
            await self._queue(uow, incident, now, NoticeKind.PLAN_REMINDER, address,
                              key=f"plan:{incident.number}:{incident.plan_due_at}:"
                                  f"{incident.plan_stage}:{address.kind}:{address.target}",
                              lapsed=lapsed)
        incident.record(EventKind.ESCALATED if lapsed else EventKind.NOTE_ADDED, at=now,
                        actor="system", reason="plan_lapsed" if lapsed else "plan_reminder",
                        text="计划完成时间已过" if lapsed else "计划完成时间将到，已提醒负责人")
        return [f"{incident.number}:plan_{'lapsed' if lapsed else 'reminder'}"]

    async def _confirmation(self, uow: UnitOfWork, incident: Incident, now: datetime
                            ) -> list[str]:
        if incident.status is not Status.RESOLVED:
            return []
        if incident.auto_close_at is not None and incident.auto_close_at <= now:
            incident.close_unconfirmed(at=now, actor="system", policy=self.policy)
            await self._queue(uow, incident, now, NoticeKind.PROGRESS, None,
                              key=f"autoclose:{incident.number}:{incident.resolved_at}",
                              headline="工单已自动关闭（用户未确认）", note=None)
            return [f"{incident.number}:auto_closed"]
        if incident.confirmation_due_at is None or incident.confirmation_due_at > now:
            return []
        incident.confirmation_reminders += 1
        await self._queue(uow, incident, now, NoticeKind.CONFIRMATION_REQUEST, None,
                          key=f"confirm:{incident.number}:{incident.resolved_at}:"
                              f"{incident.confirmation_reminders}", reminder=True, note=None)
        return [f"{incident.number}:confirmation_reminder"]

    async def _requester_mail(self, uow: UnitOfWork, incident: Incident) -> ReplyAddress | None:
        """The feedback form is a formal email: the requester's address, else the origin."""
        if incident.requester_id is not None:
            contact = await uow.contacts.by_id(incident.requester_id)
            email = contact.value_of(IdentityKind.EMAIL)
            if email:
                thread = (incident.reply_address.thread if incident.reply_address
                          and incident.reply_address.kind is ChannelKind.EMAIL else None)
                return ReplyAddress(ChannelKind.EMAIL, email, thread)
        return None

    async def _queue(self, uow: UnitOfWork, incident: Incident, now: datetime,
                     kind: NoticeKind, address: ReplyAddress | None, *, key: str,
                     extra: dict[str, str] | None = None, **context: object) -> None:
        notice = self.renderer.notice(kind, incident, key=key, address=address, extra=extra,
                                      **context)
        if notice is None:
            return
        assert incident.id is not None
        if await uow.outbox.add(notice, now=now, incident_id=incident.id):
            incident.record(EventKind.NOTICE_QUEUED, at=now, actor="system", notice=kind.value,
                            channel=notice.address.kind.value)


def _escalation_key(incident: Incident, step: Step, address: ReplyAddress) -> str:
    # One rung per response clock (reopening restarts it) and per target (a severity change
    # starts a new ladder), per recipient.
    return (f"esc:{incident.number}:{step.value}:{_start(incident)}:{incident.severity.value}:"
            f"{address.kind}:{address.target}")


def _start(incident: Incident) -> str:
    start = incident.response_started_at or incident.reported_at
    return start.isoformat()


def _latest_analysis(events: list[TimelineEvent]) -> str | None:
    for event in reversed(events):
        if event.data.get("analysis"):
            return str(event.data.get("text"))
    return None
