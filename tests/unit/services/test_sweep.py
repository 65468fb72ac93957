"""The sweep on a real database with an injected clock: ladder, obligations, digest, idempotence."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.clocks import ClockRules, Step
from bot.domain.duration import Duration
from bot.domain.events import EventKind
from bot.domain.incident import Category, Resolution, Status
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.domain.sla import Severity, SlaPolicy
from bot.domain.staff import Role, Staff
from bot.services.actions import IncidentActions
from bot.services.digest import DigestService
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.notices import NoticeRenderer
from bot.services.recipients import DeskAddresses, Recipients
from bot.services.sweep import SweepService
from storage.models import OutboxRow
from storage.unit_of_work import UnitOfWork

CST = ZoneInfo("Asia/Shanghai")
LI = Staff("li", "李工", Role.ENGINEER, qq="20001", email="li@desk.example")
BOSS = Staff("boss", "赵经理", Role.MANAGER, qq="20009")
ONCALL = Staff("zhou", "周工", Role.ENGINEER, qq="20005")
DESK = DeskAddresses(qq_group=8888, email="desk@desk.example", dev_team_email="dev@corp.example",
                     project_management_email="pmo@corp.example",
                     product_manager_email="pm@corp.example")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(timezone.utc)


class Desk:
    """Intake, actions, sweep and digest wired on one database and one fake clock."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], policy: SlaPolicy, clock,  # type: ignore[no-untyped-def]
                 rules: ClockRules) -> None:
        self.factory, self.clock = factory, clock
        renderer = NoticeRenderer(CST, tracking_url=lambda i: f"https://d.example/t/{i.tracking_token}")
        recipients = Recipients(DESK, CST, on_call_of=lambda _d: "zhou",
                                second_line_usernames=("zhou",))
        self.intake = IntakeService(session_factory=factory, policy=policy, clock=clock,
                                    defaults=IntakeDefaults(Severity.L4, Category.FAULT),
                                    renderer=renderer, rules=rules)
        self.sweep = SweepService(session_factory=factory, policy=policy, rules=rules,
                                  clock=clock, renderer=renderer, recipients=recipients)
        self.actions = IncidentActions(session_factory=factory, policy=policy, clock=clock,
                                       renderer=renderer, rules=rules,
                                       escalator=self.sweep.escalate_now, recipients=recipients)
        self.digest = DigestService(session_factory=factory, calendar=policy.calendar,
                                    clock=clock, renderer=renderer, recipients=recipients)

    async def report(self, *, email: str | None = "zhang@school.edu.cn") -> str:
        result = await self.intake.handle(InboundMessage(
            channel=ChannelKind.QQ, external_id=f"b:g:{self.clock().timestamp()}",
            sender=SenderIdentity(name="张老师", qq="10001", email=email),
            reply_to=ReplyAddress(ChannelKind.QQ, "group:555", "m1", "10001"),
            text="网站后台登录后白屏", received_at=self.clock()))
        assert result.incident_number
        return result.incident_number

    async def sweep_at(self, when: str) -> list[str]:
        self.clock.now = at(when)
        return (await self.sweep.sweep()).actions

    async def outbox(self, kind: str | None = None) -> list[OutboxRow]:
        async with self.factory() as session:
            stmt = select(OutboxRow).order_by(OutboxRow.id)
            if kind:
                stmt = stmt.where(OutboxRow.kind == kind)
            return list((await session.execute(stmt)).scalars())


@pytest.fixture
async def desk(session_factory: async_sessionmaker[AsyncSession], policy: SlaPolicy,
               clock) -> Desk:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        for member in (LI, BOSS, ONCALL):
            await uow.staff.add(Staff(member.username, member.display_name, member.role,
                                      member.qq, member.email), now=clock())
        await uow.commit()
    return Desk(session_factory, policy, clock, ClockRules())


async def test_l4_walks_the_ladder_over_the_makeup_saturday(desk: Desk) -> None:
    desk.clock.now = at("2026-10-09T10:00")
    number = await desk.report()
    await desk.actions.take(number, LI)
    assert await desk.sweep_at("2026-10-12T11:59") == [f"{number}:feedback_form_1"]
    assert await desk.sweep_at("2026-10-12T12:00") == [f"{number}:warning"]
    warnings = await desk.outbox("escalation")
    assert {r.target for r in warnings} == {"private:20001", "li@desk.example"}
    assert "即将超时" in warnings[0].text
    assert await desk.sweep_at("2026-10-13T10:00") == [f"{number}:breach"]
    assert await desk.sweep_at("2026-10-13T13:59") == []
    assert await desk.sweep_at("2026-10-13T14:00") == [f"{number}:second_line"]
    handover = await desk.outbox("handover")
    assert [(r.target, r.extra) for r in handover] == [("dev@corp.example",
                                                       {"cc": "pmo@corp.example"})]
    breach_targets = {r.target for r in await desk.outbox("escalation")} - {
        r.target for r in warnings}
    assert "private:20009" in breach_targets and "private:20005" in breach_targets
    before = len(await desk.outbox())
    assert await desk.sweep_at("2026-10-20T10:00") == []
    assert len(await desk.outbox()) == before
    async with UnitOfWork(desk.factory) as uow:
        incident = await uow.incidents.by_number(number)
        events = await uow.incidents.timeline(incident.id or 0)
    assert incident.escalation_level == Step.SECOND_LINE and incident.next_due_at is None
    levels = [e.data["level"] for e in events if e.kind is EventKind.ESCALATED]
    assert levels == [Step.WARNING, Step.BREACH, Step.SECOND_LINE]


async def test_l1_pages_on_call_at_once_around_the_clock(desk: Desk) -> None:
    desk.clock.now = at("2026-11-22T03:00")  # a Sunday night
    number = await desk.report()
    async with UnitOfWork(desk.factory) as uow:
        incident = await uow.incidents.by_number(number)
    await desk.actions.set_severity(number, Staff("d", "台", Role.DESK), Severity.L1)
    assert await desk.sweep_at("2026-11-22T03:00") == [f"{number}:page"]
    page = await desk.outbox("escalation")
    assert [r.target for r in page] == ["private:20005"] and "紧急故障" in page[0].text
    assert await desk.sweep_at("2026-11-22T03:11") == []  # 75% of 15 min is 03:11:15
    assert await desk.sweep_at("2026-11-22T03:12") == [f"{number}:warning"]
    warning = (await desk.outbox("escalation"))[-2:]
    assert {r.target for r in warning} == {"group:8888", "desk@desk.example"}  # unowned
    assert incident.tracking_token


async def test_feedback_forms_go_to_the_requester_mailbox(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T10:00")
    number = await desk.report()
    assert await desk.sweep_at("2026-11-25T09:59") == []
    assert await desk.sweep_at("2026-11-25T10:00") == [f"{number}:feedback_form_1"]
    await desk.actions.analysis_done(number, LI, "站点模板引用了失效的脚本")
    assert await desk.sweep_at("2026-11-25T10:01") == [f"{number}:feedback_form_2"]
    forms = await desk.outbox("feedback_form")
    assert [r.target for r in forms] == ["zhang@school.edu.cn"] * 2
    assert "报修反馈单" in forms[0].text and "分析结论：站点模板引用了失效的脚本" in forms[1].text


async def test_plan_reminder_then_lapse_to_managers(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T10:00")
    number = await desk.report(email=None)
    await desk.actions.take(number, LI)
    await desk.actions.set_plan(number, LI, at("2026-11-24T17:00"), "更换模板")
    await desk.sweep_at("2026-11-23T10:01")  # first feedback form (origin channel: none)
    assert await desk.sweep_at("2026-11-24T13:00") == [f"{number}:plan_reminder"]
    assert await desk.sweep_at("2026-11-24T17:00") == [f"{number}:plan_lapsed"]
    reminders = await desk.outbox("plan_reminder")
    assert {r.target for r in reminders} >= {"private:20001", "private:20009"}
    assert any("计划已逾期" in (r.subject or "") for r in reminders)


async def test_confirmation_reminder_and_optional_auto_close(
        session_factory: async_sessionmaker[AsyncSession], policy: SlaPolicy, clock) -> None:  # type: ignore[no-untyped-def]
    rules = ClockRules(auto_close_after=Duration.working_days(5))
    desk = Desk(session_factory, policy, clock, rules)
    async with UnitOfWork(session_factory) as uow:
        await uow.staff.add(Staff("li", "李工", Role.ENGINEER, qq="20001"), now=clock())
        await uow.commit()
    desk.clock.now = at("2026-11-23T10:00")
    number = await desk.report()
    await desk.actions.resolve(number, LI, "已修复")
    await desk.sweep_at("2026-11-23T10:01")
    assert await desk.sweep_at("2026-11-25T10:00") == [f"{number}:confirmation_reminder"]
    assert await desk.sweep_at("2026-11-27T10:00") == []
    assert await desk.sweep_at("2026-11-30T10:00") == [f"{number}:auto_closed"]
    async with UnitOfWork(session_factory) as uow:
        incident = await uow.incidents.by_number(number)
    assert incident.status is Status.CLOSED
    assert incident.resolution is Resolution.NOT_CONFIRMED
    reminders = await desk.outbox("confirmation_request")
    assert len(reminders) == 2 and "再次提醒" in reminders[1].text


async def test_manual_escalation_and_digest(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T08:00")
    number = await desk.report()
    incident = await desk.actions.escalate(number, LI, "需要二线协助")
    assert incident.escalation_level == Step.WARNING
    [first, *_] = await desk.outbox("escalation")
    assert "李工 手动升级：需要二线协助" in first.text
    desk.clock.now = at("2026-11-23T09:00")  # Monday, a working day
    assert await desk.digest.send_daily() is True
    assert await desk.digest.send_daily() is False  # once a day, even with two instances
    digests = await desk.outbox("digest")
    assert {r.target for r in digests} == {"group:8888", "desk@desk.example"}
    assert f"未受理：1 件\n  · {number}" in digests[0].text
    desk.clock.now = at("2026-11-28T09:00")  # Saturday
    assert await desk.digest.send_daily() is False
    assert date(2026, 11, 28).weekday() == 5


async def test_two_sweepers_act_once(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T10:00")
    number = await desk.report()
    desk.clock.now = at("2026-11-26T10:00")
    import asyncio
    reports = await asyncio.gather(desk.sweep.sweep(), desk.sweep.sweep())
    actions = [a for r in reports for a in r.actions]
    assert sorted(actions) == sorted({a for a in actions})
    assert f"{number}:feedback_form_1" in actions
    assert len(await desk.outbox("feedback_form")) == 1
    # warning to the desk's group and mailbox, breach to the manager: each exactly once
    assert sorted(r.target for r in await desk.outbox("escalation")) == [
        "desk@desk.example", "group:8888", "private:20009"]


async def test_reopened_incident_climbs_the_ladder_again(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T10:00")
    number = await desk.report()
    await desk.actions.take(number, LI)
    await desk.sweep_at("2026-11-27T10:00")  # warning and breach
    await desk.actions.resolve(number, LI, "已处理")
    async with UnitOfWork(desk.factory) as uow:
        contact = await uow.contacts.find([("qq", "10001")])
    assert contact is not None and contact.id is not None
    await desk.actions.not_resolved(number, contact.id, "张老师", "还是白屏")
    told = [r for r in await desk.outbox("progress") if "反馈问题未解决" in r.text]
    assert {r.target for r in told} == {"private:20001", "li@desk.example"}
    assert await desk.sweep_at("2026-12-01T12:00") == [f"{number}:warning"]  # 75% of 3wd
    from bot.domain.errors import IllegalTransitionError
    await desk.actions.resolve(number, LI, "已处理")
    await desk.actions.confirm(number, contact.id, "张老师")
    with pytest.raises(IllegalTransitionError):  # closed stays closed
        await desk.actions.not_resolved(number, contact.id, "张老师", "又坏了")


async def test_raising_to_l1_after_a_warning_still_pages(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T10:00")
    number = await desk.report()
    await desk.sweep_at("2026-11-25T16:00")  # L4 warning fired
    await desk.actions.set_severity(number, Staff("d", "台", Role.DESK), Severity.L1)
    actions = await desk.sweep_at("2026-11-25T16:01")
    assert actions[0] == f"{number}:page"


async def test_merge_keeps_the_targets_plan_clock(desk: Desk) -> None:
    desk.clock.now = at("2026-11-23T10:00")
    target = await desk.report()
    desk.clock.now = at("2026-11-23T10:05")
    duplicate = await desk.report()
    await desk.actions.set_plan(target, LI, at("2026-11-26T17:00"), "更换模板")
    await desk.actions.merge(duplicate, Staff("d", "台", Role.DESK), target)
    assert f"{target}:plan_reminder" in await desk.sweep_at("2026-11-26T13:00")
