"""Delivery from the outbox through the recording channel: retries, dead letters, crashes."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelRegistry, PermanentDeliveryError, TransientDeliveryError
from bot.channels.recording import RecordingChannel
from bot.domain.messages import ChannelKind, NoticeKind, OutboundNotice, ReplyAddress
from bot.services.delivery import DeliveryService, RetryPolicy
from storage.models import OutboxRow
from storage.unit_of_work import UnitOfWork


@pytest.fixture
def channel(clock: object) -> RecordingChannel:
    return RecordingChannel(ChannelKind.QQ, clock)  # type: ignore[arg-type]


@pytest.fixture
def delivery(session_factory: async_sessionmaker[AsyncSession], channel: RecordingChannel,
             clock: object) -> DeliveryService:
    registry = ChannelRegistry()
    registry.register(channel)
    return DeliveryService(session_factory=session_factory, registry=registry,
                           clock=clock,  # type: ignore[arg-type]
                           retry=RetryPolicy(max_attempts=3, base=timedelta(seconds=10),
                                             cap=timedelta(minutes=5)),
                           lease=timedelta(minutes=2), rng=random.Random(7))


def notice(key: str = "ack:2026-0001", kind: ChannelKind = ChannelKind.QQ) -> OutboundNotice:
    return OutboundNotice(kind=NoticeKind.ACKNOWLEDGEMENT,
                          address=ReplyAddress(kind, "group:555", None, "10001"),
                          text="已收到", idempotency_key=key, incident_number="2026-0001")


async def queue(factory: async_sessionmaker[AsyncSession], clock: object, *items: OutboundNotice
                ) -> list[bool]:
    async with UnitOfWork(factory) as uow:
        added = [await uow.outbox.add(n, now=clock()) for n in items]  # type: ignore[operator]
        await uow.commit()
    return added


async def states(factory: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with factory() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars()
        return [(r.state, r.attempts) for r in rows]


async def test_sends_once_and_marks_sent(delivery: DeliveryService, channel: RecordingChannel,
                                         session_factory: async_sessionmaker[AsyncSession],
                                         clock: object) -> None:
    assert await queue(session_factory, clock, notice(), notice()) == [True, False]
    report = await delivery.deliver_pending()
    assert report.sent == 1 and [n.text for n in channel.sent] == ["已收到"]
    assert channel.sent[0].incident_number == "2026-0001"
    assert (await delivery.deliver_pending()).sent == 0
    assert await states(session_factory) == [("sent", 1)]


async def test_transient_failure_backs_off_then_succeeds(
        delivery: DeliveryService, channel: RecordingChannel,
        session_factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice())
    channel.fail_next(TransientDeliveryError("timeout"))
    assert (await delivery.deliver_pending()).retried == 1
    assert (await delivery.deliver_pending()).sent == 0  # not due yet: backoff is at least 5 s
    clock.advance(timedelta(seconds=11))
    assert (await delivery.deliver_pending()).sent == 1
    assert await states(session_factory) == [("sent", 2)]


async def test_permanent_failure_is_a_dead_letter_and_can_be_revived(
        delivery: DeliveryService, channel: RecordingChannel,
        session_factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice())
    channel.fail_next(PermanentDeliveryError("group not found"))
    assert (await delivery.deliver_pending()).dead == 1
    async with UnitOfWork(session_factory) as uow:
        [(dead, error)] = await uow.outbox.dead_letters()
        assert error == "group not found"
        await uow.outbox.revive(dead.id, now=clock())
        await uow.commit()
    assert (await delivery.deliver_pending()).sent == 1


async def test_gives_up_after_max_attempts(
        delivery: DeliveryService, channel: RecordingChannel,
        session_factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice())
    channel.fail_next(*(TransientDeliveryError("down") for _ in range(3)))
    for _ in range(3):
        await delivery.deliver_pending()
        clock.advance(timedelta(minutes=10))
    assert await states(session_factory) == [("dead", 3)]


async def test_unconfigured_channel_waits_instead_of_losing(
        delivery: DeliveryService, session_factory: async_sessionmaker[AsyncSession],
        clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice(kind=ChannelKind.EMAIL))
    assert (await delivery.deliver_pending()).retried == 1
    assert await states(session_factory) == [("pending", 1)]


async def test_claim_whose_sender_died_is_sent_again_after_the_lease(
        delivery: DeliveryService, channel: RecordingChannel,
        session_factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice())
    async with UnitOfWork(session_factory) as uow:  # a worker claims, then dies before sending
        [claimed] = await uow.outbox.claim_due(clock(), limit=10, lease=timedelta(minutes=2))
        await uow.commit()
    assert (await delivery.deliver_pending()).sent == 0  # still leased
    clock.advance(timedelta(minutes=3))
    assert (await delivery.deliver_pending()).sent == 1
    assert channel.sent[0].idempotency_key == claimed.notice.idempotency_key
    async with UnitOfWork(session_factory) as uow:  # never handed over: nothing to report
        assert await uow.outbox.count_by_state() == {"sent": 1}


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base=timedelta(seconds=30), cap=timedelta(minutes=10))
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(1, 9)]
    assert timedelta(seconds=15) <= delays[0] <= timedelta(seconds=30)
    assert all(timedelta(minutes=5) <= d <= timedelta(minutes=10) for d in delays[5:])


async def test_resend_after_interrupted_send_is_reported_when_channel_cannot_dedupe(
        delivery: DeliveryService, channel: RecordingChannel,
        session_factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    from bot.domain.events import EventKind
    from bot.domain.incident import Category, Incident
    from bot.domain.sla import Severity
    from bot.domain.duty_calendar import DutyCalendar
    from bot.domain.sla import SlaPolicy
    from config.calendar import load_official_days
    policy = SlaPolicy.with_defaults(DutyCalendar(load_official_days(None)))
    incident = Incident.open(number="2026-0001", title="t", description="", actor="x",
                             category=Category.FAULT, severity=Severity.L4,
                             channel=ChannelKind.QQ, requester_id=None, reply_address=None,
                             reported_at=clock(), policy=policy)
    async with UnitOfWork(session_factory) as uow:
        await uow.incidents.add(incident, now=clock())
        await uow.outbox.add(notice(), now=clock(), incident_id=incident.id)
        [claimed] = await uow.outbox.claim_due(clock(), limit=10, lease=timedelta(minutes=2))
        await uow.outbox.mark_sending(claimed.id)  # handed to the channel, then the worker died
        await uow.commit()
    clock.advance(timedelta(minutes=3))
    assert (await delivery.deliver_pending()).sent == 1
    async with UnitOfWork(session_factory) as uow:
        events = await uow.incidents.timeline(incident.id or 0)
    assert [e.kind for e in events][-1] is EventKind.DELIVERY_UNCERTAIN


async def test_a_notice_that_crashes_its_adapter_does_not_block_the_others(
        delivery: DeliveryService, channel: RecordingChannel,
        session_factory: async_sessionmaker[AsyncSession], clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice("bad"), notice("good"))
    original = channel.send

    async def send(n: OutboundNotice):  # type: ignore[no-untyped-def]
        if n.idempotency_key == "bad":
            raise ValueError("adapter bug")
        return await original(n)

    channel.send = send  # type: ignore[method-assign]
    report = await delivery.deliver_pending()
    assert (report.sent, report.retried) == (1, 1)
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await delivery.deliver_pending()
    assert await states(session_factory) == [("dead", 3), ("sent", 1)]


async def test_a_row_whose_sender_keeps_dying_ends_as_a_dead_letter(
        delivery: DeliveryService, session_factory: async_sessionmaker[AsyncSession],
        clock) -> None:  # type: ignore[no-untyped-def]
    await queue(session_factory, clock, notice())
    for _ in range(3):  # three workers claimed it and died before settling
        async with UnitOfWork(session_factory) as uow:
            await uow.outbox.claim_due(clock(), limit=10, lease=timedelta(minutes=2))
            await uow.commit()
        clock.advance(timedelta(minutes=3))
    assert (await delivery.deliver_pending()).dead == 1
    assert await states(session_factory) == [("dead", 4)]
