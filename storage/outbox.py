"""The outbox: notices committed with the change that caused them, claimed and sent later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.messages import ChannelKind, NoticeKind, OutboundNotice, ReplyAddress
from storage.models import MAX_ROW_ID, OutboxRow


class OutboxState(StrEnum):
    """Lifecycle of an outbox row."""

    PENDING = "pending"
    CLAIMED = "claimed"  # taken by a worker, not handed to the channel yet
    SENDING = "sending"  # handed to the channel: if the worker dies now, it may have gone out
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class ClaimedNotice:
    """A notice claimed for sending, with its row id and attempt count."""

    id: int
    attempts: int
    incident_id: int | None
    notice: OutboundNotice
    recovered: bool = False  # the previous sender died mid-send: it may have gone out already


class OutboxRepository:
    """Adds, claims and settles outbox rows within one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notice: OutboundNotice, *, now: datetime,
                  incident_id: int | None = None) -> bool:
        """Queue a notice; a second notice with the same idempotency key is ignored."""
        values = dict(
            kind=notice.kind.value, channel=notice.address.kind.value,
            target=notice.address.target, thread=notice.address.thread,
            mention=notice.address.mention, subject=notice.subject, text=notice.text,
            html=notice.html, extra=dict(notice.extra), incident_id=incident_id,
            incident_number=notice.incident_number,
            idempotency_key=notice.idempotency_key, state=OutboxState.PENDING.value,
            attempts=0, next_attempt_at=now, created_at=now)
        dialect = self._session.bind.dialect.name if self._session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(OutboxRow).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"])
        result = await self._session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta
                        ) -> list[ClaimedNotice]:
        """Claim pending rows that are due, and rows whose sender died mid-send."""
        stmt = (select(OutboxRow)
                .where(or_(
                    (OutboxRow.state == OutboxState.PENDING.value)
                    & (OutboxRow.next_attempt_at <= now),
                    OutboxRow.state.in_([OutboxState.CLAIMED.value, OutboxState.SENDING.value])
                    & (OutboxRow.claimed_until <= now)))
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit)
                .with_for_update(skip_locked=True))
        rows = list((await self._session.execute(stmt)).scalars())
        recovered = {row.id for row in rows if row.state == OutboxState.SENDING.value}
        for row in rows:
            row.state = OutboxState.CLAIMED.value
            row.claimed_until = now + lease
            row.attempts += 1
        await self._session.flush()
        return [ClaimedNotice(r.id, r.attempts, r.incident_id, _row_to_notice(r),
                              r.id in recovered) for r in rows]

    async def mark_sending(self, row_id: int) -> None:
        """The notice is about to be handed to the channel."""
        row = await self._get(row_id)
        row.state = OutboxState.SENDING.value

    async def mark_sent(self, row_id: int, *, now: datetime, external_id: str | None) -> None:
        """The channel accepted the notice."""
        row = await self._get(row_id)
        row.state, row.sent_at, row.external_id = OutboxState.SENT.value, now, external_id
        row.claimed_until, row.last_error = None, None

    async def mark_retry(self, row_id: int, *, next_attempt_at: datetime, error: str) -> None:
        """A transient failure: try again later."""
        row = await self._get(row_id)
        row.state, row.next_attempt_at = OutboxState.PENDING.value, next_attempt_at
        row.claimed_until, row.last_error = None, error[:2000]

    async def mark_dead(self, row_id: int, *, error: str) -> None:
        """A permanent failure: people must see it."""
        row = await self._get(row_id)
        row.state, row.claimed_until, row.last_error = OutboxState.DEAD.value, None, error[:2000]

    async def revive(self, row_id: int, *, now: datetime) -> None:
        """Put a dead letter back in the queue (staff pressed retry)."""
        row = await self._get(row_id)
        row.state, row.next_attempt_at, row.attempts = OutboxState.PENDING.value, now, 0

    async def count_by_state(self) -> dict[str, int]:
        """How many rows are in each state."""
        stmt = select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
        return {state: count for state, count in (await self._session.execute(stmt)).all()}

    async def dead_letters(self, *, limit: int = 100) -> list[tuple[ClaimedNotice, str | None]]:
        """Undeliverable notices with their last error, newest first."""
        stmt = (select(OutboxRow).where(OutboxRow.state == OutboxState.DEAD.value)
                .order_by(OutboxRow.id.desc()).limit(limit))
        return [(ClaimedNotice(r.id, r.attempts, r.incident_id, _row_to_notice(r)), r.last_error)
                for r in (await self._session.execute(stmt)).scalars()]

    async def _get(self, row_id: int) -> OutboxRow:
        row = await self._session.get(OutboxRow, row_id) if 0 < row_id <= MAX_ROW_ID else None
        if row is None:
            raise LookupError(f"outbox row {row_id} does not exist")
        return row


def _row_to_notice(row: OutboxRow) -> OutboundNotice:
    address = ReplyAddress(ChannelKind(row.channel), row.target, row.thread, row.mention)
    return OutboundNotice(kind=NoticeKind(row.kind), address=address, text=row.text,
                          idempotency_key=row.idempotency_key, subject=row.subject,
                          html=row.html, extra=dict(row.extra or {}),
                          incident_number=row.incident_number)
