"""The ledger (客服台帐) as the console and the API read it: filters, due-first order, paging."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.contact import Contact
from bot.domain.events import TimelineEvent
from bot.domain.incident import Incident
from bot.services.clock import Clock
from storage.ledger import ContactHit, LedgerFilter, LedgerRepository, LedgerRow
from storage.messages import StoredMessage
from storage.unit_of_work import UnitOfWork

PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class LedgerPage:
    """One page of ledger rows and where it sits among all matches."""

    rows: list[LedgerRow]
    total: int
    page: int
    pages: int
    per_page: int


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with its requester, timeline and messages."""

    incident: Incident
    requester: Contact | None
    timeline: list[TimelineEvent]
    messages: list[StoredMessage]


@dataclass
class LedgerService:
    """Read-only queries behind the console, the tracking page and the API."""

    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock

    async def page(self, flt: LedgerFilter, *, page: int = 1,
                   per_page: int = PAGE_SIZE) -> LedgerPage:
        """Rows of ``flt``, what is due soonest first; overdue rows are flagged."""
        page, per_page = max(1, page), min(max(1, per_page), 200)
        async with UnitOfWork(self.session_factory) as uow:
            rows, total = await LedgerRepository(uow.session).page(
                flt, now=self.clock(), offset=(page - 1) * per_page, limit=per_page)
        return LedgerPage(rows, total, page, max(1, ceil(total / per_page)), per_page)

    async def incident(self, number: str, *, public_only: bool = False) -> IncidentView:
        """An incident by number with everything shown about it (UnknownIncidentError)."""
        async with UnitOfWork(self.session_factory) as uow:
            incident = await uow.incidents.by_number(number)
            return await _view(uow, incident, public_only)

    async def tracking_token(self, number: str) -> str | None:
        """Only the tracking token of an incident (the form's redirect needs nothing else)."""
        async with UnitOfWork(self.session_factory) as uow:
            return await LedgerRepository(uow.session).tracking_token(number)

    async def by_token(self, token: str) -> IncidentView | None:
        """The requester's view of the incident behind a tracking token."""
        if not token or len(token) > 64:
            return None
        async with UnitOfWork(self.session_factory) as uow:
            incident = await uow.incidents.by_tracking_token(token)
            return await _view(uow, incident, True) if incident else None

    async def attachments_of(self, message_id: int
                             ) -> tuple[int, list[dict[str, object]]] | None:
        """The incident id and attachment records of a message."""
        async with UnitOfWork(self.session_factory) as uow:
            return await LedgerRepository(uow.session).message_attachments(message_id)

    async def search_contacts(self, text: str) -> list[ContactHit]:
        """Contacts matching ``text`` by name, unit, QQ, email or phone."""
        if not text.strip():
            return []
        async with UnitOfWork(self.session_factory) as uow:
            return await LedgerRepository(uow.session).search_contacts(text)


async def _view(uow: UnitOfWork, incident: Incident, public_only: bool) -> IncidentView:
    assert incident.id is not None
    requester = None
    if incident.requester_id is not None:
        requester = await uow.contacts.by_id(incident.requester_id)
    timeline = await uow.incidents.timeline(incident.id, public_only=public_only)
    messages = await uow.messages.for_incident(incident.id)
    return IncidentView(incident, requester, timeline, messages)
