"""Intake against a real database (SQLite and PostgreSQL): exactly once, atomic, threaded."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.events import EventKind
from bot.domain.incident import Category, Status
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.domain.sla import Severity, SlaPolicy
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.notices import NoticeRenderer
from storage.models import (
    ContactRow, IncidentRow, InboundReceiptRow, MessageRow, OutboxRow, TimelineEventRow,
)
from storage.unit_of_work import UnitOfWork

CST = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 10, 9, 2, 0, tzinfo=timezone.utc)  # Fri 10:00 Beijing


def qq_message(external_id: str = "bot1:group:555:1001", text: str = "首页轮播图不显示了",
               *, qq: str = "10001", **kwargs: object) -> InboundMessage:
    fields: dict[str, object] = dict(
        channel=ChannelKind.QQ, external_id=external_id,
        sender=SenderIdentity(name="张老师", qq=qq),
        reply_to=ReplyAddress(ChannelKind.QQ, "group:555", f"msg:{external_id}", qq),
        text=text, received_at=RECEIVED, raw=b'{"post_type":"message"}')
    fields.update(kwargs)
    return InboundMessage(**fields)  # type: ignore[arg-type]


@pytest.fixture
def intake(session_factory: async_sessionmaker[AsyncSession], policy: SlaPolicy,
           clock: object) -> IntakeService:
    return IntakeService(
        session_factory=session_factory, policy=policy, clock=clock,  # type: ignore[arg-type]
        defaults=IntakeDefaults(severity=Severity.L4, category=Category.FAULT),
        renderer=NoticeRenderer(CST, tracking_url=lambda i: f"http://desk.example/t/{i.tracking_token}"))


async def count(factory: async_sessionmaker[AsyncSession], model: type) -> int:
    async with factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_new_message_opens_incident_with_ack_in_outbox(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    result = await intake.handle(qq_message())
    assert result.created and result.incident_number == "2026-0001"
    assert result.reply_text is not None and "2026-0001" in result.reply_text
    assert "响应时限：2026-10-13 10:00" in result.reply_text
    assert "/t/" not in result.reply_text  # the tracking link is never posted to a group
    async with UnitOfWork(session_factory) as uow:
        incident = await uow.incidents.by_number("2026-0001")
        timeline = await uow.incidents.timeline(incident.id or 0)
        messages = await uow.messages.for_incident(incident.id or 0)
    assert incident.status is Status.NEW and incident.severity is Severity.L4
    assert incident.reply_address == ReplyAddress(ChannelKind.QQ, "group:555",
                                                  "msg:bot1:group:555:1001", "10001")
    assert [e.kind for e in timeline] == [EventKind.OPENED, EventKind.NOTICE_QUEUED]
    assert [m.text for m in messages] == ["首页轮播图不显示了"]
    async with session_factory() as session:
        [outbox] = (await session.execute(select(OutboxRow))).scalars()
        raw = (await session.execute(select(MessageRow.raw))).scalar_one()
    assert (outbox.kind, outbox.target, outbox.idempotency_key) == (
        "acknowledgement", "group:555", "ack:2026-0001")
    assert raw == b'{"post_type":"message"}'


async def test_redelivery_changes_nothing(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    first = await intake.handle(qq_message())
    again = await intake.handle(qq_message())
    assert again.duplicate and again.incident_number == first.incident_number
    for model, expected in ((IncidentRow, 1), (InboundReceiptRow, 1), (MessageRow, 1),
                            (OutboxRow, 1), (ContactRow, 1)):
        assert await count(session_factory, model) == expected, model.__name__


async def test_concurrent_duplicates_create_one_record(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    results = await asyncio.gather(*(intake.handle(qq_message()) for _ in range(4)))
    assert sum(r.created for r in results) == 1
    assert {r.incident_number for r in results} == {"2026-0001"}
    assert await count(session_factory, IncidentRow) == 1


async def test_crash_before_commit_leaves_nothing(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    def crash(_number: str) -> str:
        raise RuntimeError("power cut")

    intake.renderer = NoticeRenderer(CST, tracking_url=crash)
    with pytest.raises(RuntimeError):
        await intake.handle(qq_message())
    for model in (IncidentRow, InboundReceiptRow, MessageRow, OutboxRow, ContactRow,
                  TimelineEventRow):
        assert await count(session_factory, model) == 0, model.__name__
    intake.renderer = NoticeRenderer(CST)
    assert (await intake.handle(qq_message())).created


async def test_follow_up_by_number_and_by_thread_key(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    await intake.handle(qq_message())
    by_number = await intake.handle(qq_message("bot1:group:555:1002", "2026-0001 补充截图",
                                               incident_number="2026-0001"))
    by_thread = await intake.handle(qq_message("bot1:group:555:1003", "还是不行",
                                               thread_keys=("bot1:group:555:1001",)))
    assert not by_number.created and by_number.incident_number == "2026-0001"
    assert not by_thread.created and by_thread.incident_number == "2026-0001"
    assert by_thread.reply_text == "已将补充信息记录到工单 2026-0001（当前状态：新建）。"
    assert await count(session_factory, IncidentRow) == 1
    assert await count(session_factory, MessageRow) == 3
    assert await count(session_factory, OutboxRow) == 1  # follow-ups get no second ack


async def test_requester_reply_ends_the_wait(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession],
        policy: SlaPolicy) -> None:
    await intake.handle(qq_message())
    async with UnitOfWork(session_factory) as uow:
        incident = await uow.incidents.by_number("2026-0001")
        incident.take("li", at=RECEIVED, policy=policy)
        incident.transition(Status.WAITING_ON_REQUESTER, at=RECEIVED + timedelta(hours=1),
                            actor="li", policy=policy)
        await uow.incidents.save(incident, now=RECEIVED)
        await uow.commit()
    await intake.handle(qq_message("bot1:group:555:1009", "截图发你了",
                                   incident_number="2026-0001",
                                   received_at=RECEIVED + timedelta(hours=2)))
    async with UnitOfWork(session_factory) as uow:
        incident = await uow.incidents.by_number("2026-0001")
    assert incident.status is Status.ACKNOWLEDGED
    assert incident.sla_paused_work == timedelta(hours=1)


async def test_closed_incident_is_not_continued(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    await intake.handle(qq_message())
    async with UnitOfWork(session_factory) as uow:
        incident = await uow.incidents.by_number("2026-0001")
        incident.close_as_duplicate("2025-0100", at=RECEIVED, actor="desk")
        await uow.incidents.save(incident, now=RECEIVED)
        await uow.commit()
    result = await intake.handle(qq_message("bot1:group:555:2000", "又坏了",
                                            incident_number="2026-0001"))
    assert result.created and result.incident_number == "2026-0002"


async def test_email_tag_from_a_stranger_opens_a_new_incident(
        intake: IntakeService) -> None:
    def mail(external_id: str, sender: str, **kwargs: object) -> InboundMessage:
        return InboundMessage(channel=ChannelKind.EMAIL, external_id=external_id,
                              sender=SenderIdentity(email=sender),
                              reply_to=ReplyAddress(ChannelKind.EMAIL, sender),
                              text="网站打不开", subject="网站打不开", received_at=RECEIVED,
                              **kwargs)  # type: ignore[arg-type]

    await intake.handle(mail("m1", "webmaster@school.edu.cn"))
    own = await intake.handle(mail("m2", "WebMaster@School.edu.cn", incident_number="2026-0001"))
    stranger = await intake.handle(mail("m3", "other@example.com", incident_number="2026-0001"))
    assert not own.created and own.incident_number == "2026-0001"
    assert stranger.created and stranger.incident_number == "2026-0002"


async def test_automated_message_gets_no_ack_and_opens_nothing(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    result = await intake.handle(qq_message(automated=True))
    assert result.incident_number is None and result.skipped_reason == "automated"
    assert await count(session_factory, IncidentRow) == 0
    assert await count(session_factory, OutboxRow) == 0
    assert (await intake.handle(qq_message(automated=True))).duplicate


async def test_same_person_across_channels_is_one_contact(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    from bot.domain.contact import IdentityKind
    await intake.handle(qq_message())
    web = InboundMessage(channel=ChannelKind.WEB, external_id="form-1",
                         sender=SenderIdentity(name="张老师", qq="10001",
                                               email="zhang@school.edu.cn", phone="139-2026-1234"),
                         reply_to=ReplyAddress(ChannelKind.WEB, "token-abc"),
                         text="栏目无法发布", received_at=RECEIVED)
    await intake.handle(web)  # found by the typed QQ id; typed identities are not linked
    assert await count(session_factory, ContactRow) == 1
    async with UnitOfWork(session_factory) as uow:
        contact = await uow.contacts.find([("qq", "10001")])
        assert contact is not None and await uow.contacts.find(
            [("email", "zhang@school.edu.cn")]) is None
        await uow.contacts.link(contact, IdentityKind.EMAIL, "zhang@school.edu.cn")  # staff
        await uow.commit()
    await intake.handle(InboundMessage(
        channel=ChannelKind.EMAIL, external_id="m1", sender=SenderIdentity(
            email="Zhang@School.edu.cn"), reply_to=ReplyAddress(ChannelKind.EMAIL, "z"),
        text="又一个问题", received_at=RECEIVED))
    async with UnitOfWork(session_factory) as uow:
        mine = await uow.incidents.by_requester(contact.id or 0)
    assert [i.number for i in mine] == ["2026-0003", "2026-0002", "2026-0001"]


async def test_contacts_merge_moves_identities_and_incidents(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    await intake.handle(qq_message())
    await intake.handle(InboundMessage(
        channel=ChannelKind.EMAIL, external_id="m1", sender=SenderIdentity(email="z@s.edu.cn"),
        reply_to=ReplyAddress(ChannelKind.EMAIL, "z@s.edu.cn"), text="求助",
        received_at=RECEIVED))
    async with UnitOfWork(session_factory) as uow:
        qq = await uow.contacts.find([("qq", "10001")])
        mail = await uow.contacts.find([("email", "z@s.edu.cn")])
        assert qq and mail and qq.id != mail.id
        merged = await uow.contacts.merge(qq.id or 0, mail.id or 0)
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        again = await uow.contacts.find([("email", "z@s.edu.cn")])
        followed = await uow.contacts.by_id(mail.id or 0)
        incidents = await uow.incidents.by_requester(qq.id or 0)
    assert again is not None and again.id == qq.id == merged.id == followed.id
    assert len(incidents) == 2


async def test_phone_report_gets_a_reply_text_and_no_notice(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    result = await intake.handle(InboundMessage(
        channel=ChannelKind.PHONE, external_id="phone-1", sender=SenderIdentity(phone="13900000000"),
        reply_to=ReplyAddress(ChannelKind.PHONE, "13900000000"), text="电话报修：首页打不开",
        received_at=RECEIVED))
    assert result.created and result.reply_text and "2026-0001" in result.reply_text
    assert await count(session_factory, OutboxRow) == 0


async def test_a_form_cannot_link_someone_elses_address_to_your_qq(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    victim = InboundMessage(
        channel=ChannelKind.EMAIL, external_id="m-victim",
        sender=SenderIdentity(email="zhang@school.edu.cn"),
        reply_to=ReplyAddress(ChannelKind.EMAIL, "zhang@school.edu.cn"), text="网站打不开",
        received_at=RECEIVED)
    await intake.handle(victim)
    stranger = InboundMessage(
        channel=ChannelKind.WEB, external_id="web:form-1",
        sender=SenderIdentity(name="路人", qq="99999", email="zhang@school.edu.cn"),
        reply_to=ReplyAddress(ChannelKind.WEB, "form"), text="我也有问题", received_at=RECEIVED)
    await intake.handle(stranger)
    async with UnitOfWork(session_factory) as uow:
        assert await uow.contacts.find([("qq", "99999")]) is None
        owner = await uow.contacts.find([("email", "zhang@school.edu.cn")])
    assert owner is not None and [k.value for k, _ in owner.identities] == ["email"]


async def test_mail_answer_to_a_confirmation_request_confirms_or_reopens(
        intake: IntakeService, session_factory: async_sessionmaker[AsyncSession],
        policy: SlaPolicy) -> None:
    def mail(external_id: str, text: str) -> InboundMessage:
        return InboundMessage(channel=ChannelKind.EMAIL, external_id=external_id,
                              sender=SenderIdentity(email="zhang@school.edu.cn"),
                              reply_to=ReplyAddress(ChannelKind.EMAIL, "zhang@school.edu.cn"),
                              text=text, received_at=RECEIVED, incident_number="2026-0001")

    async def resolve() -> None:
        async with UnitOfWork(session_factory) as uow:
            incident = await uow.incidents.by_number("2026-0001")
            if incident.status is Status.NEW:
                incident.take("li", at=RECEIVED, policy=policy)
            incident.transition(Status.RESOLVED, at=RECEIVED, actor="li", policy=policy)
            await uow.incidents.save(incident, now=RECEIVED)
            await uow.commit()

    async def status() -> Status:
        async with UnitOfWork(session_factory) as uow:
            return (await uow.incidents.by_number("2026-0001")).status

    await intake.handle(mail("m1", "网站打不开"))
    await resolve()
    await intake.handle(mail("m2", "未解决：首页还是空白"))
    assert await status() is Status.IN_PROGRESS
    await resolve()
    await intake.handle(mail("m3", "谢谢，我再看看"))
    assert await status() is Status.RESOLVED
    await intake.handle(mail("m4", "已解决，谢谢！"))
    assert await status() is Status.CLOSED
