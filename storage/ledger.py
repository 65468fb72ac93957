"""The ledger's read side: filtered, due-first, paged incident lists and contact search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.incident import Status
from storage.incidents import overdue_condition
from storage.models import ContactIdentityRow, ContactRow, IncidentRow, MessageRow


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """What the desk asked to see; empty fields do not filter."""

    status: str | None = None
    severity: str | None = None
    category: str | None = None
    channel: str | None = None
    owner: str | None = None
    overdue: bool = False
    open_only: bool = False
    text: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One line of the ledger as the console shows it."""

    number: str
    title: str
    status: str
    severity: str
    category: str
    channel: str
    owner: str | None
    assignee: str | None
    requester: str | None
    reported_at: datetime
    next_due_at: datetime | None
    response_due_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class ContactHit:
    """A contact found by name, unit or identity, with its handles."""

    id: int
    name: str | None
    unit: str | None
    identities: tuple[tuple[str, str], ...]
    incident_count: int


class LedgerRepository:
    """Read-only ledger queries within one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self, flt: LedgerFilter, *, now: datetime, offset: int,
                   limit: int) -> tuple[list[LedgerRow], int]:
        """One page of the ledger, what is due first, and the total count."""
        where = _conditions(flt, now)
        total_stmt = select(func.count()).select_from(IncidentRow).where(*where)
        total = int((await self._session.execute(total_stmt)).scalar_one())
        stmt = _listing(where, now).order_by(
            case((IncidentRow.status == Status.CLOSED.value, 1), else_=0),
            case((IncidentRow.next_due_at.is_(None), 1), else_=0),
            IncidentRow.next_due_at, IncidentRow.id.desc()).offset(offset).limit(limit)
        rows = (await self._session.execute(stmt)).all()
        return [_to_row(r) for r in rows], total

    async def tracking_token(self, number: str) -> str | None:
        """The tracking token of incident ``number``."""
        stmt = select(IncidentRow.tracking_token).where(IncidentRow.number == number)
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def message_attachments(self, message_id: int
                                  ) -> tuple[int, list[dict[str, object]]] | None:
        """The incident id and attachment list of one stored message."""
        stmt = select(MessageRow.incident_id, MessageRow.attachments).where(
            MessageRow.id == message_id)
        row = (await self._session.execute(stmt)).one_or_none()
        return (int(row[0]), list(row[1] or [])) if row else None

    async def search_contacts(self, text: str, *, limit: int = 50) -> list[ContactHit]:
        """Contacts whose name, unit or identity contains ``text`` (not merged away)."""
        like = f"%{_escape_like(text.strip())}%"
        ids_stmt = (select(ContactRow.id).outerjoin(
            ContactIdentityRow, ContactIdentityRow.contact_id == ContactRow.id)
            .where(ContactRow.merged_into_id.is_(None),
                   or_(ContactRow.name.like(like, escape="\\"),
                       ContactRow.unit.like(like, escape="\\"),
                       ContactIdentityRow.value.like(like, escape="\\")))
            .distinct().order_by(ContactRow.id.desc()).limit(limit))
        ids = list((await self._session.execute(ids_stmt)).scalars())
        return [await self._contact_hit(contact_id) for contact_id in ids]

    async def _contact_hit(self, contact_id: int) -> ContactHit:
        row = await self._session.get(ContactRow, contact_id)
        assert row is not None
        idents = (await self._session.execute(
            select(ContactIdentityRow.kind, ContactIdentityRow.value)
            .where(ContactIdentityRow.contact_id == contact_id)
            .order_by(ContactIdentityRow.id))).all()
        count = (await self._session.execute(
            select(func.count()).select_from(IncidentRow)
            .where(IncidentRow.requester_id == contact_id))).scalar_one()
        return ContactHit(row.id, row.name, row.unit, tuple((k, v) for k, v in idents),
                          int(count))


def _listing(where: list[ColumnElement[bool]], now: datetime) -> Any:
    # Typed as Any: Select's type parameters differ between SQLAlchemy 2.0 and 2.1.
    return (select(IncidentRow.number, IncidentRow.title, IncidentRow.status,
                   IncidentRow.severity, IncidentRow.category, IncidentRow.channel,
                   IncidentRow.owner, IncidentRow.assignee, ContactRow.name,
                   IncidentRow.reported_at, IncidentRow.next_due_at,
                   IncidentRow.response_due_at, overdue_condition(now).label("overdue"))
            .outerjoin(ContactRow, ContactRow.id == IncidentRow.requester_id)
            .where(*where))


def _conditions(flt: LedgerFilter, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for column, value in ((IncidentRow.status, flt.status), (IncidentRow.severity, flt.severity),
                          (IncidentRow.category, flt.category),
                          (IncidentRow.channel, flt.channel)):
        if value:
            where.append(column == value)
    if flt.owner:
        where.append(or_(IncidentRow.owner == flt.owner, IncidentRow.assignee == flt.owner))
    if flt.open_only:
        where.append(IncidentRow.status != Status.CLOSED.value)
    if flt.overdue:
        where.append(overdue_condition(now))
    if flt.text and flt.text.strip():
        text = flt.text.strip()
        like = f"%{_escape_like(text)}%"
        where.append(or_(IncidentRow.number == text,
                         IncidentRow.number.like(like, escape="\\"),
                         IncidentRow.title.like(like, escape="\\"),
                         IncidentRow.description.like(like, escape="\\"),
                         cast(IncidentRow.id, String) == text))
    return where


def _to_row(r: Any) -> LedgerRow:
    (number, title, status, severity, category, channel, owner, assignee, requester,
     reported_at, next_due_at, response_due_at, overdue) = r
    return LedgerRow(number, title, status, severity, category, channel, owner, assignee,
                     requester, reported_at, next_due_at, response_due_at, bool(overdue))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
