"""Look-ups the QQ channel needs beyond the shared repositories.

Threading by a quoted bot message (its id is stored on the outbox row that sent it, not in
``messages``), the staff member's open items, the overdue list, and waking the QQ notices
that waited while the bot was disconnected.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.incident import Incident, Status
from storage.incidents import _row_to_incident, overdue_condition
from storage.models import IncidentRow, MessageRow, OutboxRow
from storage.outbox import OutboxState


class QqQueries:
    """Read and wake queries for the QQ channel, within one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def incident_for_message(self, channel: str, keys: Iterable[str]) -> int | None:
        """The incident a message with one of ``keys`` belongs to, sent or received."""
        keys = [k for k in keys if k]
        if not keys:
            return None
        sent = (select(OutboxRow.incident_id)
                .where(OutboxRow.channel == channel, OutboxRow.external_id.in_(keys),
                       OutboxRow.incident_id.is_not(None))
                .order_by(OutboxRow.id.desc()).limit(1))
        found = (await self._session.execute(sent)).scalar_one_or_none()
        if found is not None:
            return int(found)
        received = (select(MessageRow.incident_id)
                    .where(MessageRow.channel == channel, MessageRow.external_id.in_(keys))
                    .order_by(MessageRow.id.desc()).limit(1))
        return (await self._session.execute(received)).scalar_one_or_none()

    async def open_for_staff(self, username: str, *, limit: int = 20) -> list[Incident]:
        """Open incidents the member owns or works on, oldest deadline first."""
        stmt = (select(IncidentRow)
                .where(or_(IncidentRow.assignee == username, IncidentRow.owner == username),
                       IncidentRow.status != Status.CLOSED.value)
                .order_by(IncidentRow.next_due_at.is_(None), IncidentRow.next_due_at,
                          IncidentRow.id)
                .limit(limit))
        return [_row_to_incident(r) for r in (await self._session.execute(stmt)).scalars()]

    async def overdue(self, now: datetime, *, limit: int = 20) -> list[Incident]:
        """Open incidents whose response target or plan deadline has passed."""
        stmt = (select(IncidentRow)
                .where(overdue_condition(now))
                .order_by(IncidentRow.next_due_at, IncidentRow.id).limit(limit))
        return [_row_to_incident(r) for r in (await self._session.execute(stmt)).scalars()]

    async def wake_pending(self, channel: str, now: datetime) -> int:
        """Make the channel's pending notices due now (after a reconnect); returns how many."""
        stmt = (update(OutboxRow)
                .where(OutboxRow.channel == channel,
                       OutboxRow.state == OutboxState.PENDING.value,
                       OutboxRow.next_attempt_at > now)
                .values(next_attempt_at=now))
        result = await self._session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
