"""What came of an answer: fault reported by the same contact in the window, else accepted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.incident import Category
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.domain.sla import Severity, SlaPolicy
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.knowledge import KnowledgeService
from bot.services.notices import NoticeRenderer
from storage.unit_of_work import UnitOfWork
from tests.conftest import FakeClock

ARTICLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "articles"
QUESTION = "首页的飘窗怎么关掉"


@pytest.fixture
def knowledge(session_factory: async_sessionmaker[AsyncSession],
              clock: FakeClock) -> KnowledgeService:
    return KnowledgeService.from_path(ARTICLES, session_factory, clock)


@pytest.fixture
def intake(session_factory: async_sessionmaker[AsyncSession], policy: SlaPolicy,
           clock: FakeClock) -> IntakeService:
    return IntakeService(session_factory=session_factory, policy=policy, clock=clock,
                         defaults=IntakeDefaults(severity=Severity.L4, category=Category.FAULT),
                         renderer=NoticeRenderer(ZoneInfo("Asia/Shanghai"),
                                                 tracking_url=lambda i: "http://desk.example/t"))


async def report(intake: IntakeService, clock: FakeClock, qq: str, key: str) -> tuple[int, int]:
    """A QQ report from ``qq``; returns (incident id, contact id)."""
    result = await intake.handle(InboundMessage(
        channel=ChannelKind.QQ, external_id=key, sender=SenderIdentity(name="王老师", qq=qq),
        reply_to=ReplyAddress(ChannelKind.QQ, "group:1", mention=qq), text="首页飘窗关不掉",
        received_at=clock()))
    async with UnitOfWork(intake.session_factory) as uow:
        incident = await uow.incidents.by_number(str(result.incident_number))
    assert incident.id is not None and incident.requester_id is not None
    return incident.id, incident.requester_id


async def outcome(factory: async_sessionmaker[AsyncSession], query_id: int
                  ) -> tuple[str | None, int | None]:
    async with UnitOfWork(factory) as uow:
        logged = await uow.knowledge_log.get(query_id)
    assert logged is not None
    return logged.outcome, logged.incident_id


async def test_answer_then_report_in_window_is_fault_reported(
        knowledge: KnowledgeService, intake: IntakeService, clock: FakeClock,
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    _, contact = await report(intake, clock, "10001", "qq:1")
    asked = await knowledge.answer(QUESTION, channel="qq", contact_id=contact)
    assert asked.decision == "answer"
    other = await knowledge.answer(QUESTION, channel="qq", contact_id=None)
    clock.advance(timedelta(minutes=10))
    incident_id, _ = await report(intake, clock, "10001", "qq:2")
    await knowledge.settle_outcomes()
    assert await outcome(session_factory, asked.query_id) == ("fault_reported", incident_id)
    assert await outcome(session_factory, other.query_id) == (None, None)  # window still open
    async with UnitOfWork(session_factory) as uow:
        assert asked.query_id in {m.id for m in await uow.knowledge_log.misses()}


async def test_answer_alone_is_accepted_only_after_the_window(
        knowledge: KnowledgeService, intake: IntakeService, clock: FakeClock,
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    _, contact = await report(intake, clock, "10002", "qq:1")
    asked = await knowledge.answer(QUESTION, channel="qq", contact_id=contact)
    clock.advance(timedelta(minutes=29))
    await knowledge.settle_outcomes()
    assert await outcome(session_factory, asked.query_id) == (None, None)
    clock.advance(timedelta(minutes=2))
    settled = await knowledge.settle_outcomes()
    assert settled.accepted == 1
    assert await outcome(session_factory, asked.query_id) == ("accepted", None)
    await report(intake, clock, "10002", "qq:2")  # too late: stays accepted
    await knowledge.settle_outcomes()
    assert await outcome(session_factory, asked.query_id) == ("accepted", None)


async def test_report_after_the_window_or_by_someone_else_does_not_count(
        knowledge: KnowledgeService, intake: IntakeService, clock: FakeClock,
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    _, contact = await report(intake, clock, "10003", "qq:1")
    asked = await knowledge.answer(QUESTION, channel="qq", contact_id=contact)
    clock.advance(timedelta(minutes=5))
    await report(intake, clock, "20000", "qq:2")  # a different person
    clock.advance(timedelta(minutes=40))
    await report(intake, clock, "10003", "qq:3")  # the same person, but too late
    await knowledge.settle_outcomes()
    assert await outcome(session_factory, asked.query_id) == ("accepted", None)


async def test_no_match_is_logged_with_its_outcome(
        knowledge: KnowledgeService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    miss = await knowledge.answer("食堂今天中午吃什么", channel="qq", contact_id=None)
    assert miss.decision == "no_match"
    assert await outcome(session_factory, miss.query_id) == ("no_match", None)


async def test_outcome_window_is_configurable(
        session_factory: async_sessionmaker[AsyncSession], clock: FakeClock) -> None:
    knowledge = KnowledgeService.from_path(ARTICLES, session_factory, clock,
                                           outcome_window=timedelta(minutes=5))
    asked = await knowledge.answer(QUESTION, channel="qq")
    clock.advance(timedelta(minutes=6))
    await knowledge.settle_outcomes()
    assert await outcome(session_factory, asked.query_id) == ("accepted", None)
