"""The knowledge-base question log: every question, the decision, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ContactRow, IncidentRow, KbQueryRow

# Decisions after which something was shown to the person (an answer or titles to pick from).
SHOWN_DECISIONS = ("answer", "ask_back")
_SETTLE_BATCH = 2000


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
    contact_id: int | None = None
    incident_number: str | None = None


@dataclass(frozen=True, slots=True)
class Settled:
    """How many open questions one settlement pass decided."""

    accepted: int
    fault_reported: int


def _logged(r: KbQueryRow, number: str | None = None) -> LoggedQuestion:
    return LoggedQuestion(r.id, r.at, r.channel, r.query, r.decision, r.article_id, r.score,
                          r.reason, r.outcome, r.incident_id, r.contact_id, number)


class KnowledgeLogRepository:
    """Adds questions, records outcomes, settles them, and lists the misses."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, at: datetime, channel: str, query: str, decision: str,
                  article_id: str | None, score: float | None, reason: str | None,
                  contact_id: int | None = None, outcome: str | None = None) -> int:
        """Log one question; returns its id."""
        row = KbQueryRow(at=at, channel=channel, query=query[:4000], decision=decision,
                         article_id=article_id, score=score, reason=(reason or "")[:500],
                         contact_id=contact_id, outcome=outcome)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def get(self, query_id: int) -> LoggedQuestion | None:
        """One logged question, or None."""
        row = await self._session.get(KbQueryRow, query_id)
        return _logged(row) if row is not None else None

    async def refresh(self, query_id: int, *, at: datetime, query: str, decision: str,
                      article_id: str | None, score: float | None, reason: str | None) -> None:
        """Replace an open question's text and decision (the same form, typed further)."""
        await self._session.execute(
            update(KbQueryRow).where(KbQueryRow.id == query_id, KbQueryRow.outcome.is_(None))
            .values(at=at, query=query[:4000], decision=decision, article_id=article_id,
                    score=score, reason=(reason or "")[:500]))

    async def set_outcome(self, query_id: int, outcome: str, *,
                          incident_id: int | None = None, contact_id: int | None = None) -> None:
        """Record what happened after the answer (accepted, fault reported anyway, …)."""
        values: dict[str, object] = {"outcome": outcome}
        if incident_id is not None:
            values["incident_id"] = incident_id
        if contact_id is not None:
            values["contact_id"] = contact_id
        await self._session.execute(update(KbQueryRow).where(KbQueryRow.id == query_id)
                                    .values(**values))

    async def settle(self, *, now: datetime, window: timedelta) -> Settled:
        """Decide open outcomes: an incident by the same contact within ``window`` of the
        question means ``fault_reported``; a window passed without one means ``accepted``."""
        await self._session.execute(
            update(KbQueryRow).where(KbQueryRow.outcome.is_(None),
                                     KbQueryRow.decision.not_in(SHOWN_DECISIONS))
            .values(outcome="no_match"))
        pending = list((await self._session.execute(
            select(KbQueryRow.id, KbQueryRow.at, KbQueryRow.contact_id)
            .where(KbQueryRow.outcome.is_(None), KbQueryRow.decision.in_(SHOWN_DECISIONS))
            .order_by(KbQueryRow.id).limit(_SETTLE_BATCH))).all())
        if not pending:
            return Settled(0, 0)
        reports = await self._reports_by_contact({c for _, _, c in pending if c is not None},
                                                 since=min(at for _, at, _ in pending))
        accepted: list[int] = []
        faults = 0
        for query_id, at, contact_id in pending:
            incident_id = next((i for i, reported in reports.get(contact_id, [])
                                if at < reported <= at + window), None)
            if incident_id is not None:
                await self.set_outcome(query_id, "fault_reported", incident_id=incident_id)
                faults += 1
            elif at + window <= now:
                accepted.append(query_id)
        if accepted:
            await self._session.execute(update(KbQueryRow).where(KbQueryRow.id.in_(accepted))
                                        .values(outcome="accepted"))
        return Settled(len(accepted), faults)

    async def _reports_by_contact(self, contact_ids: set[int], *, since: datetime
                                  ) -> dict[int | None, list[tuple[int, datetime]]]:
        """Incidents reported since ``since`` by each contact (or whoever it was merged into)."""
        if not contact_ids:
            return {}
        owner = {cid: cid for cid in contact_ids}
        merged = await self._session.execute(
            select(ContactRow.id, ContactRow.merged_into_id)
            .where(ContactRow.id.in_(contact_ids), ContactRow.merged_into_id.is_not(None)))
        for cid, into in merged.all():
            if into is not None:  # the query filters NULLs; this tells the type checker
                owner[cid] = into
        rows = await self._session.execute(
            select(IncidentRow.id, IncidentRow.requester_id, IncidentRow.reported_at)
            .where(IncidentRow.requester_id.in_(set(owner.values())),
                   IncidentRow.reported_at >= since)
            .order_by(IncidentRow.reported_at, IncidentRow.id))
        by_owner: dict[int, list[tuple[int, datetime]]] = {}
        for incident_id, requester_id, reported_at in rows.all():
            if requester_id is not None:
                by_owner.setdefault(requester_id, []).append((incident_id, reported_at))
        return {cid: by_owner.get(own, []) for cid, own in owner.items()}

    async def misses(self, *, limit: int = 100) -> list[LoggedQuestion]:
        """Questions the KB could not answer, or answered while a fault was reported anyway."""
        stmt = (select(KbQueryRow, IncidentRow.number)
                .outerjoin(IncidentRow, IncidentRow.id == KbQueryRow.incident_id)
                .where((KbQueryRow.decision != "answer")
                       | (KbQueryRow.outcome == "fault_reported"))
                .order_by(KbQueryRow.id.desc()).limit(limit))
        return [_logged(r, number) for r, number in (await self._session.execute(stmt)).all()]
