"""The knowledge service: answer questions from the FAQ matcher, log each one, learn from misses."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.clock import Clock
from knowledge_base import KnowledgeBase, KnowledgeBaseError, article_draft_from_text
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What came of an answered question."""

    ACCEPTED = "accepted"
    FAULT_REPORTED = "fault_reported"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class KnowledgeAnswer:
    """What a channel needs to reply: the decision, the answer, or titles to ask back with."""

    decision: str
    title: str | None
    answer_text: str | None
    candidate_titles: tuple[str, ...]
    query_id: int
    reason: str


class KnowledgeService:
    """Wraps the matcher (which knows nothing of ours) with logging and reloading."""

    def __init__(self, kb: KnowledgeBase, session_factory: async_sessionmaker[AsyncSession],
                 clock: Clock) -> None:
        self.kb = kb
        self._factory = session_factory
        self._clock = clock

    @classmethod
    def from_path(cls, path: Path, session_factory: async_sessionmaker[AsyncSession],
                  clock: Clock) -> KnowledgeService:
        """Load the articles under ``path``."""
        return cls(KnowledgeBase.from_path(path), session_factory, clock)

    async def answer(self, text: str, *, channel: str, contact_id: int | None = None
                     ) -> KnowledgeAnswer:
        """Match ``text`` (off the event loop: matching is CPU work) and log the question."""
        result = await asyncio.to_thread(self.kb.match, text)
        async with UnitOfWork(self._factory) as uow:
            query_id = await uow.knowledge_log.add(
                at=self._clock(), channel=channel, query=text, decision=result.decision.value,
                article_id=result.article.article_id if result.article else None,
                score=result.score, reason=result.reason)
            await uow.commit()
        article = result.article
        return KnowledgeAnswer(
            decision=result.decision.value, title=article.title if article else None,
            answer_text=article.answer if article else None,
            candidate_titles=tuple(c.title for c in result.candidates[:3]),
            query_id=query_id, reason=result.reason)

    def suggest(self, text: str, limit: int = 3) -> list[tuple[str, str]]:
        """Articles worth showing while someone types (answer or ask-back), no logging."""
        result = self.kb.match(text)
        if result.decision.value == "no_match":
            return []
        by_id = {a.article_id: a for a in self.kb.articles}
        picked = [by_id[c.article_id] for c in result.candidates[:limit] if c.article_id in by_id]
        return [(a.title, a.answer) for a in picked]

    async def record_outcome(self, query_id: int, outcome: Outcome, *,
                             incident_id: int | None = None) -> None:
        """Remember what came of an answer, for the staff view of misses."""
        async with UnitOfWork(self._factory) as uow:
            await uow.knowledge_log.set_outcome(query_id, outcome.value, incident_id=incident_id)
            await uow.commit()

    def reload_if_changed(self) -> bool:
        """Pick up edited article files; a broken file keeps the old matcher and is logged."""
        try:
            return self.kb.reload_if_changed()
        except KnowledgeBaseError:
            logger.exception("knowledge base reload failed; keeping the previous articles")
            return False

    @staticmethod
    def draft_from_incident(title: str, question: str, answer: str) -> dict[str, object]:
        """A draft article (status: draft) from a resolved incident, for staff to review."""
        return article_draft_from_text(title, question, answer)
