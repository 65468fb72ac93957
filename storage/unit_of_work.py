"""The unit of work: one session, one transaction, every repository sharing it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.contacts import ContactRepository
from storage.incidents import IncidentRepository
from storage.knowledge_log import KnowledgeLogRepository
from storage.mail import MailRepository
from storage.messages import MessageRepository
from storage.outbox import OutboxRepository
from storage.sessions import SessionRepository
from storage.staff import StaffRepository


class UnitOfWork:
    """``async with uow:`` opens a transaction; leaving without ``commit()`` rolls it back."""

    incidents: IncidentRepository
    contacts: ContactRepository
    mail: MailRepository
    messages: MessageRepository
    outbox: OutboxRepository
    staff: StaffRepository
    web_sessions: SessionRepository
    knowledge_log: KnowledgeLogRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._factory()
        await self._session.begin()
        self.incidents = IncidentRepository(self._session)
        self.contacts = ContactRepository(self._session)
        self.mail = MailRepository(self._session)
        self.messages = MessageRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.staff = StaffRepository(self._session)
        self.web_sessions = SessionRepository(self._session)
        self.knowledge_log = KnowledgeLogRepository(self._session)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        session, self._session = self.session, None
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Make everything done in this unit durable."""
        await self.session.commit()
