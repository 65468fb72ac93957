"""Incident actions on a real database: roles, the flow to confirmation, and notices queued."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.errors import IllegalTransitionError, InvalidInputError
from bot.domain.incident import Category, Resolution, Status
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.domain.sla import Severity, SlaPolicy
from bot.domain.staff import PermissionDeniedError, Role, Staff
from bot.services.actions import IncidentActions
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.notices import NoticeRenderer
from storage.models import OutboxRow
from storage.unit_of_work import UnitOfWork

CST = ZoneInfo("Asia/Shanghai")
ENGINEER = Staff("li", "李工", Role.ENGINEER, qq="20001")
DESK = Staff("desk", "服务台小王", Role.DESK, qq="20002")


@pytest.fixture
async def setup(session_factory: async_sessionmaker[AsyncSession], policy: SlaPolicy,
                clock) -> tuple[IncidentActions, int]:  # type: ignore[no-untyped-def]
    renderer = NoticeRenderer(CST, tracking_url=lambda i: f"https://desk.example/t/{i.tracking_token}")
    intake = IntakeService(session_factory=session_factory, policy=policy, clock=clock,
                           defaults=IntakeDefaults(Severity.L4, Category.FAULT),
                           renderer=renderer)
    async with UnitOfWork(session_factory) as uow:
        for member in (ENGINEER, DESK):
            await uow.staff.add(Staff(member.username, member.display_name, member.role,
                                      member.qq), now=clock())
        await uow.commit()
    await intake.handle(InboundMessage(
        channel=ChannelKind.QQ, external_id="b:g:1", sender=SenderIdentity(name="张老师", qq="1"),
        reply_to=ReplyAddress(ChannelKind.QQ, "group:555", "msg:1", "1"), text="首页打不开",
        received_at=clock()))
    async with UnitOfWork(session_factory) as uow:
        contact = await uow.contacts.find([("qq", "1")])
    assert contact is not None and contact.id is not None
    return IncidentActions(session_factory=session_factory, policy=policy, clock=clock,
                           renderer=renderer), contact.id


async def notices(factory: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with factory() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars()
        return [(r.kind, r.text) for r in rows]


async def test_full_flow_to_confirmation(setup, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    actions, requester = setup
    await actions.take("2026-0001", ENGINEER)
    clock.advance(timedelta(hours=1))
    await actions.analysis_done("2026-0001", ENGINEER, "模板缓存损坏")
    await actions.set_plan("2026-0001", ENGINEER, clock() + timedelta(days=2), "重建缓存")
    await actions.start_work("2026-0001", ENGINEER)
    await actions.reply("2026-0001", ENGINEER, "请清空浏览器缓存后再试")
    incident = await actions.resolve("2026-0001", ENGINEER, "已重建缓存")
    assert incident.status is Status.RESOLVED and incident.owner == "li"
    with pytest.raises(PermissionDeniedError):
        await actions.confirm("2026-0001", requester + 99, "路人")
    closed = await actions.confirm("2026-0001", requester, "张老师")
    assert (closed.status, closed.resolution) == (Status.CLOSED, Resolution.CONFIRMED)
    kinds = [k for k, _ in await notices(session_factory)]
    assert kinds == ["acknowledgement", "progress", "progress", "progress", "reply",
                     "confirmation_request"]
    texts = dict(await notices(session_factory))
    assert "发送“确认解决 2026-0001”" in texts["confirmation_request"]
    assert texts["reply"].startswith("李工（工单 2026-0001）：")
    async with UnitOfWork(session_factory) as uow:
        stored = await uow.incidents.by_number("2026-0001")
        messages = await uow.messages.for_incident(stored.id or 0)
    assert stored.analysis_done_at is not None and stored.status is Status.CLOSED
    assert [m.direction for m in messages] == ["in", "out"]


async def test_not_resolved_reopens(setup) -> None:  # type: ignore[no-untyped-def]
    actions, requester = setup
    await actions.resolve("2026-0001", ENGINEER, "已处理")
    incident = await actions.not_resolved("2026-0001", requester, "张老师", "还是打不开")
    assert incident.status is Status.IN_PROGRESS and incident.response_due_at is not None


async def test_roles_are_enforced(setup) -> None:  # type: ignore[no-untyped-def]
    actions, _ = setup
    with pytest.raises(PermissionDeniedError) as err:
        await actions.set_severity("2026-0001", ENGINEER, Severity.L1)
    assert err.value.user_message == "抱歉，您没有权限执行此操作。"
    incident = await actions.set_severity("2026-0001", DESK, Severity.L2)
    assert incident.severity is Severity.L2
    await actions.assign("2026-0001", DESK, "li")
    with pytest.raises(InvalidInputError):
        await actions.assign("2026-0001", DESK, "nobody")


async def test_merge_and_illegal_moves(setup, clock) -> None:  # type: ignore[no-untyped-def]
    actions, _ = setup
    with pytest.raises(IllegalTransitionError):
        await actions.start_work("2026-0001", ENGINEER)
    with pytest.raises(InvalidInputError):
        await actions.set_plan("2026-0001", ENGINEER, clock() - timedelta(minutes=1), "x")
    with pytest.raises(InvalidInputError):
        await actions.merge("2026-0001", DESK, "2026-0001")


def test_renderer_skips_phone_origin() -> None:
    from bot.domain.incident import Incident
    from bot.domain.duty_calendar import DutyCalendar
    from config.calendar import load_official_days
    policy = SlaPolicy.with_defaults(DutyCalendar(load_official_days(None)))
    incident = Incident.open(number="2026-0009", title="电话报修", description="", actor="desk",
                             category=Category.FAULT, severity=Severity.L3,
                             channel=ChannelKind.PHONE, requester_id=None,
                             reply_address=ReplyAddress(ChannelKind.PHONE, "13900000000"),
                             reported_at=datetime(2026, 11, 25, 2, tzinfo=timezone.utc),
                             policy=policy)
    from bot.domain.messages import NoticeKind
    assert NoticeRenderer(CST).notice(NoticeKind.PROGRESS, incident, key="k") is None
