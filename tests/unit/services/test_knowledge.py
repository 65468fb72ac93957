"""The knowledge service: answers from the shipped articles, logs every question, lists misses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.knowledge import KnowledgeService, Outcome
from storage.unit_of_work import UnitOfWork

ARTICLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "articles"


@pytest.fixture
def knowledge(session_factory: async_sessionmaker[AsyncSession],
              clock: object) -> KnowledgeService:
    return KnowledgeService.from_path(ARTICLES, session_factory, clock)  # type: ignore[arg-type]


async def test_answers_logs_and_learns(knowledge: KnowledgeService,
                                       session_factory: async_sessionmaker[AsyncSession]) -> None:
    hit = await knowledge.answer("首页的飘窗怎么关掉", channel="qq")
    assert hit.decision == "answer" and hit.title and "飘窗" in hit.title and hit.answer_text
    miss = await knowledge.answer("食堂今天中午吃什么", channel="qq")
    assert miss.decision == "no_match" and miss.answer_text is None
    await knowledge.record_outcome(hit.query_id, Outcome.FAULT_REPORTED)
    async with UnitOfWork(session_factory) as uow:
        misses = await uow.knowledge_log.misses()
    assert {m.id for m in misses} == {hit.query_id, miss.query_id}
    assert {m.outcome for m in misses} == {"fault_reported", "no_match"}


def test_suggest_and_draft(knowledge: KnowledgeService) -> None:
    assert any("飘窗" in title for title, _ in knowledge.suggest("飘窗怎么弄"))
    assert knowledge.suggest("你好") == []
    draft = knowledge.draft_from_incident("栏目排序错乱", "栏目顺序乱了", "在栏目管理里拖动排序")
    assert draft["status"] == "draft"
