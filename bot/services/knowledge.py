"""The knowledge service: answer questions from the FAQ matcher, log each one, learn from misses."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.clock import Clock
from knowledge_base import KnowledgeBase, KnowledgeBaseError, MatchResult, article_draft_from_text
from storage.knowledge_log import Settled
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

# A fault reported by the same person this soon after an answer means the answer did not help.
DEFAULT_OUTCOME_WINDOW = timedelta(minutes=30)


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
                 clock: Clock, *, outcome_window: timedelta = DEFAULT_OUTCOME_WINDOW) -> None:
        self.kb = kb
        self._factory = session_factory
        self._clock = clock
        self.outcome_window = outcome_window

    @classmethod
    def from_path(cls, path: Path, session_factory: async_sessionmaker[AsyncSession],
                  clock: Clock, *, outcome_window: timedelta = DEFAULT_OUTCOME_WINDOW
                  ) -> KnowledgeService:
        """Load the articles under ``path``."""
        return cls(KnowledgeBase.from_path(path), session_factory, clock,
                   outcome_window=outcome_window)

    async def answer(self, text: str, *, channel: str, contact_id: int | None = None
                     ) -> KnowledgeAnswer:
        """Match ``text`` (off the event loop: matching is CPU work) and log the question
        with who asked, so a fault they report soon after marks the answer as not helping."""
        result = await asyncio.to_thread(self.kb.match, text)
        async with UnitOfWork(self._factory) as uow:
            query_id = await uow.knowledge_log.add(
                at=self._clock(), channel=channel, query=text, contact_id=contact_id,
                outcome=None if _shown(result) else Outcome.NO_MATCH.value,
                **_logged_match(result))
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

    async def log_suggestion(self, text: str, *, previous_id: int | None = None
                             ) -> int | None:
        """Log suggestions shown on the web form; typing on in the same form updates the
        same question (``previous_id``) while it is open and recent. None when nothing shown."""
        result = await asyncio.to_thread(self.kb.match, text)
        if not _shown(result):
            return None
        now = self._clock()
        async with UnitOfWork(self._factory) as uow:
            previous = await uow.knowledge_log.get(previous_id) if previous_id else None
            if (previous is not None and previous.outcome is None and previous.channel == "web"
                    and now - previous.at < self.outcome_window):
                await uow.knowledge_log.refresh(previous.id, at=now, query=text,
                                                **_logged_match(result))
                query_id = previous.id
            else:
                query_id = await uow.knowledge_log.add(at=now, channel="web", query=text,
                                                       **_logged_match(result))
            await uow.commit()
        return query_id

    async def fault_reported(self, query_id: int, *, incident_id: int,
                             contact_id: int | None) -> bool:
        """The person shown ``query_id`` reported a fault anyway: mark it, if still open and
        within the window. Returns whether it was marked."""
        async with UnitOfWork(self._factory) as uow:
            logged = await uow.knowledge_log.get(query_id)
            if (logged is None or logged.outcome is not None
                    or self._clock() - logged.at > self.outcome_window):
                return False
            await uow.knowledge_log.set_outcome(query_id, Outcome.FAULT_REPORTED.value,
                                                incident_id=incident_id, contact_id=contact_id)
            await uow.commit()
        return True

    async def settle_outcomes(self) -> Settled:
        """Decide the outcome of every open answered question whose fate is known: a fault
        reported by the same contact within the window, or the window over without one."""
        async with UnitOfWork(self._factory) as uow:
            settled = await uow.knowledge_log.settle(now=self._clock(),
                                                     window=self.outcome_window)
            await uow.commit()
        return settled

    async def reload(self) -> int:
        """Rebuild the matcher now (after a console edit); raises on an invalid article."""
        return await asyncio.to_thread(self.kb.reload)

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


def _shown(result: MatchResult) -> bool:
    """Whether the person was shown something: an answer or titles to choose from."""
    return result.decision.value in ("answer", "ask_back")


def _logged_match(result: MatchResult) -> dict[str, Any]:
    """The log columns of a match; the top candidate stands in when there is no answer."""
    article = result.article
    top = result.candidates[0].article_id if result.candidates else None
    return {"decision": result.decision.value, "score": result.score, "reason": result.reason,
            "article_id": article.article_id if article else top}
