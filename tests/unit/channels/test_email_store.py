"""The raw mail store on SQLite and PostgreSQL: stored once under every key, states, quarantine."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.mail import MailState
from storage.unit_of_work import UnitOfWork

AT = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
RAW = b"From: a@school.edu.cn\r\nMessage-ID: <m1@school.edu.cn>\r\nSubject: x\r\n\r\nbody\r\n"


async def test_a_mail_is_stored_once_whatever_key_finds_it(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with UnitOfWork(session_factory) as uow:
        first, created = await uow.mail.store(RAW, mailbox="INBOX", uidvalidity=7, uid=1,
                                              message_id="m1@school.edu.cn", now=AT)
        assert created
        # The same bytes under a new UID (moved back by a person): known, key learned.
        again, created = await uow.mail.store(RAW, mailbox="INBOX", uidvalidity=7, uid=9,
                                              message_id="m1@school.edu.cn", now=AT)
        assert not created and again.id == first.id
        # Different bytes, same Message-ID (delivered twice through different relays).
        other = RAW.replace(b"body", b"body via list")
        dup, created = await uow.mail.store(other, mailbox="INBOX", uidvalidity=7, uid=10,
                                            message_id="m1@school.edu.cn", now=AT)
        assert not created and dup.id == first.id
        known = await uow.mail.known_uids("INBOX", 7, [1, 9, 10, 11])
        assert known == {1: MailState.STORED, 9: MailState.STORED, 10: MailState.STORED}
        assert await uow.mail.pending() == [first.id]
        await uow.commit()


async def test_states_quarantine_and_requeue(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with UnitOfWork(session_factory) as uow:
        mail, _ = await uow.mail.store(RAW, mailbox="INBOX", uidvalidity=7, uid=1,
                                       message_id=None, now=AT)
        await uow.mail.set_state(mail.id, MailState.QUARANTINED, now=AT, error="boom")
        assert [m.id for m in await uow.mail.quarantined()] == [mail.id]
        assert await uow.mail.pending() == []
        await uow.mail.requeue(mail.id)
        assert await uow.mail.pending() == [mail.id]
        assert (await uow.mail.count_by_state()) == {"stored": 1}
        await uow.commit()
