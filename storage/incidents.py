"""The incident repository: row ↔ domain mapping, numbering, the due query and the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import UnknownIncidentError
from bot.domain.events import EventKind, TimelineEvent
from bot.domain.incident import Category, Incident, Resolution, Status, format_incident_number
from bot.domain.messages import ChannelKind, ReplyAddress
from bot.domain.sla import Severity
from storage.models import MAX_ROW_ID, IncidentCounterRow, IncidentRow, TimelineEventRow

_COPIED = (
    "number", "title", "description", "owner", "assignee", "escalation_level", "duplicate_of",
    "reported_at", "acknowledged_at", "resolved_at", "closed_at", "response_started_at",
    "response_due_at", "sla_paused_at", "feedback_due_at", "plan_due_at", "confirmation_due_at",
    "requester_id", "analysis_done_at", "next_escalation_at", "feedback_stage", "plan_stage",
    "confirmation_reminders", "auto_close_at", "tracking_token",
)


class IncidentRepository:
    """Loads and stores incidents within one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next_number(self, year: int) -> str:
        """Allocate the next human-friendly number of ``year`` (row-locked counter)."""
        result = await self._session.execute(
            update(IncidentCounterRow).where(IncidentCounterRow.year == year)
            .values(last=IncidentCounterRow.last + 1).returning(IncidentCounterRow.last))
        last = result.scalar_one_or_none()
        if last is None:
            # First incident of the year. A concurrent first insert fails on the primary key
            # and its transaction is retried by the caller like any other conflict.
            self._session.add(IncidentCounterRow(year=year, last=1))
            await self._session.flush()
            last = 1
        return format_incident_number(year, last)

    async def add(self, incident: Incident, *, now: datetime) -> None:
        """Insert a new incident and its pending events."""
        row = IncidentRow()
        _incident_to_row(incident, row, now)
        self._session.add(row)
        await self._session.flush()
        incident.id = row.id
        self._add_events(row.id, incident.drain_events())

    async def save(self, incident: Incident, *, now: datetime) -> None:
        """Write back a loaded incident's fields and its pending events."""
        if incident.id is None:
            raise ValueError("save() needs an incident that was loaded or added")
        row = await self._session.get(IncidentRow, incident.id)
        if row is None:
            raise UnknownIncidentError(incident.number)
        _incident_to_row(incident, row, now)
        self._add_events(incident.id, incident.drain_events())
        await self._session.flush()

    async def by_number(self, number: str, *, for_update: bool = False) -> Incident:
        """The incident numbered ``number``; raises UnknownIncidentError."""
        stmt = select(IncidentRow).where(IncidentRow.number == number)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).scalar_one_or_none()
        if row is None:
            raise UnknownIncidentError(number)
        return _row_to_incident(row)

    async def by_tracking_token(self, token: str) -> Incident | None:
        """The incident a requester's tracking link points at, if the token is valid."""
        stmt = select(IncidentRow).where(IncidentRow.tracking_token == token)
        row = (await self._session.execute(stmt)).scalar_one_or_none()
        return _row_to_incident(row) if row else None

    async def by_id(self, incident_id: int, *, for_update: bool = False) -> Incident:
        """The incident with database id ``incident_id`` (row-locked on PostgreSQL if asked)."""
        if not 0 < incident_id <= MAX_ROW_ID:
            raise UnknownIncidentError(str(incident_id))
        row = await self._session.get(IncidentRow, incident_id, with_for_update=for_update)
        if row is None:
            raise UnknownIncidentError(str(incident_id))
        return _row_to_incident(row)

    async def lock_for_sweep(self, incident_id: int) -> Incident | None:
        """Lock the row for one sweep visit; None if another worker holds it (PostgreSQL)."""
        stmt = (select(IncidentRow).where(IncidentRow.id == incident_id)
                .with_for_update(skip_locked=True))
        row = (await self._session.execute(stmt)).scalar_one_or_none()
        return _row_to_incident(row) if row else None

    async def open_where(self, *conditions: ColumnElement[bool], limit: int = 200
                         ) -> list[Incident]:
        """Open incidents matching ``conditions``, what falls due first first."""
        stmt = (select(IncidentRow).where(IncidentRow.status != Status.CLOSED.value, *conditions)
                .order_by(IncidentRow.next_due_at.is_(None), IncidentRow.next_due_at,
                          IncidentRow.id).limit(limit))
        return [_row_to_incident(r) for r in (await self._session.execute(stmt)).scalars()]

    async def due_ids(self, now: datetime, *, limit: int = 500) -> list[int]:
        """Ids of incidents with a deadline at or before ``now``, earliest first (indexed)."""
        stmt = (select(IncidentRow.id).where(IncidentRow.next_due_at <= now)
                .order_by(IncidentRow.next_due_at).limit(limit))
        return list((await self._session.execute(stmt)).scalars())

    async def timeline(self, incident_id: int, *, public_only: bool = False
                       ) -> list[TimelineEvent]:
        """The incident's events in the order they happened."""
        stmt = select(TimelineEventRow).where(TimelineEventRow.incident_id == incident_id)
        if public_only:
            stmt = stmt.where(TimelineEventRow.public.is_(True))
        rows = (await self._session.execute(stmt.order_by(TimelineEventRow.id))).scalars()
        return [TimelineEvent(EventKind(r.kind), r.actor, r.at, dict(r.data), r.public)
                for r in rows]

    async def by_requester(self, contact_id: int, *, open_only: bool = True,
                           limit: int = 20) -> list[Incident]:
        """A requester's incidents, newest first."""
        stmt = select(IncidentRow).where(IncidentRow.requester_id == contact_id)
        if open_only:
            stmt = stmt.where(IncidentRow.status != Status.CLOSED.value)
        stmt = stmt.order_by(IncidentRow.id.desc()).limit(limit)
        return [_row_to_incident(r) for r in (await self._session.execute(stmt)).scalars()]

    def append_event(self, incident_id: int, event: TimelineEvent) -> None:
        """Add an event to an incident without loading it (delivery bookkeeping)."""
        self._add_events(incident_id, [event])

    def _add_events(self, incident_id: int, events: Sequence[TimelineEvent]) -> None:
        for ev in events:
            self._session.add(TimelineEventRow(incident_id=incident_id, kind=ev.kind.value,
                                               actor=ev.actor, at=ev.at, public=ev.public,
                                               data=_jsonable(ev.data)))


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """What "overdue" means everywhere (ledger, digest, QQ): past the response target with the
    clock running (resolution stops it), or past an agreed plan deadline still being worked."""
    return and_(
        IncidentRow.status.notin_([Status.CLOSED.value, Status.RESOLVED.value]),
        or_(and_(IncidentRow.sla_paused_at.is_(None), IncidentRow.response_due_at <= now),
            and_(IncidentRow.plan_due_at <= now,
                 IncidentRow.status.in_([Status.PLANNED.value, Status.IN_PROGRESS.value]))))


def _jsonable(data: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}


def _incident_to_row(incident: Incident, row: IncidentRow, now: datetime) -> None:
    for name in _COPIED:
        setattr(row, name, getattr(incident, name))
    row.category = incident.category.value
    row.severity = incident.severity.value
    row.status = incident.status.value
    row.channel = incident.channel.value
    row.resolution = incident.resolution.value if incident.resolution else None
    row.resume_status = incident.resume_status.value if incident.resume_status else None
    row.sla_paused_wall_s = incident.sla_paused_wall.total_seconds()
    row.sla_paused_work_s = incident.sla_paused_work.total_seconds()
    address = incident.reply_address
    row.reply_kind = address.kind.value if address else None
    row.reply_target = address.target if address else None
    row.reply_thread = address.thread if address else None
    row.reply_mention = address.mention if address else None
    row.next_due_at = incident.next_due_at
    row.updated_at = now


def _row_to_incident(row: IncidentRow) -> Incident:
    address = None
    if row.reply_kind and row.reply_target:
        address = ReplyAddress(ChannelKind(row.reply_kind), row.reply_target, row.reply_thread,
                               row.reply_mention)
    incident = Incident(
        number=row.number, title=row.title, description=row.description,
        category=Category(row.category), severity=Severity(row.severity),
        channel=ChannelKind(row.channel), requester_id=row.requester_id,
        reply_address=address, reported_at=row.reported_at, status=Status(row.status),
        resolution=Resolution(row.resolution) if row.resolution else None,
        resume_status=Status(row.resume_status) if row.resume_status else None,
        sla_paused_wall=timedelta(seconds=row.sla_paused_wall_s or 0.0),
        sla_paused_work=timedelta(seconds=row.sla_paused_work_s or 0.0),
        id=row.id,
    )
    for name in _COPIED:
        setattr(incident, name, getattr(row, name))
    return incident
