"""The knowledge-base question log: every question, the decision, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import KbQueryRow


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One logged question as staff review it."""

    id: int
    at: datetime
    channel: str
    query: str
    decision: str
    article_id: str | None
    score: float | None
    reason: str | None
    outcome: str | None
    incident_id: int | None


class KnowledgeLogRepository:
    """Adds questions, records outcomes, and lists the misses."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, at: datetime, channel: str, query: str, decision: str,
                  article_id: str | None, score: float | None, reason: str | None) -> int:
        """Log one question; returns its id."""
        row = KbQueryRow(at=at, channel=channel, query=query[:4000], decision=decision,
                         article_id=article_id, score=score, reason=(reason or "")[:500])
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def set_outcome(self, query_id: int, outcome: str, *,
                          incident_id: int | None = None) -> None:
        """Record what happened after the answer (accepted, fault reported anyway, …)."""
        values: dict[str, object] = {"outcome": outcome}
        if incident_id is not None:
            values["incident_id"] = incident_id
        await self._session.execute(update(KbQueryRow).where(KbQueryRow.id == query_id)
                                    .values(**values))

    async def misses(self, *, limit: int = 100) -> list[LoggedQuestion]:
        """Questions the KB could not answer, or answered while a fault was reported anyway."""
        stmt = (select(KbQueryRow)
                .where((KbQueryRow.decision != "answer")
                       | (KbQueryRow.outcome == "fault_reported"))
                .order_by(KbQueryRow.id.desc()).limit(limit))
        return [LoggedQuestion(r.id, r.at, r.channel, r.query, r.decision, r.article_id, r.score,
                               r.reason, r.outcome, r.incident_id)
                for r in (await self._session.execute(stmt)).scalars()]
