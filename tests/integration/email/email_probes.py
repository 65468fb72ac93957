"""Small read-only probes of the desk database and the IMAP server for the email tests."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from aioimaplib import aioimaplib
from sqlalchemy import func, select

from bot.runtime import Runtime
from storage.mail import MailState, StoredMail
from storage.models import IncidentRow, MailRow, OutboxRow
from storage.unit_of_work import UnitOfWork

from dovecot import PASSWORD, USER, Dovecot


async def mail_states(runtime: Runtime) -> dict[str, int]:
    async with UnitOfWork(runtime.session_factory) as uow:
        return await uow.mail.count_by_state()


async def mails(runtime: Runtime) -> list[StoredMail]:
    async with UnitOfWork(runtime.session_factory) as uow:
        ids = (await uow.session.execute(select(MailRow.id).order_by(MailRow.id))).scalars()
        return [await uow.mail.get(i) for i in list(ids)]


async def incident_numbers(runtime: Runtime) -> list[str]:
    async with UnitOfWork(runtime.session_factory) as uow:
        rows = await uow.session.execute(select(IncidentRow.number).order_by(IncidentRow.id))
        return list(rows.scalars())


async def outbox_count(runtime: Runtime) -> int:
    async with UnitOfWork(runtime.session_factory) as uow:
        return int((await uow.session.execute(select(func.count()).select_from(OutboxRow)))
                   .scalar_one())


async def processed(runtime: Runtime, count: int) -> bool:
    states = await mail_states(runtime)
    done = sum(v for k, v in states.items()
               if k in (MailState.PROCESSED, MailState.DROPPED, MailState.QUARANTINED))
    return done >= count


async def server_flags(dovecot: Dovecot, mailbox: str = "INBOX") -> dict[int, str]:
    """FLAGS of every message in ``mailbox`` by UID (a second, independent client)."""
    client = aioimaplib.IMAP4(host="127.0.0.1", port=dovecot.port, timeout=5)
    await client.wait_hello_from_server()
    await client.login(USER, PASSWORD)
    await client.select(mailbox)
    response = await client.uid("fetch", "1:*", "(UID FLAGS)")
    await client.logout()
    flags: dict[int, str] = {}
    for line in response.lines:
        text = bytes(line).decode("ascii", "replace")
        if "FETCH" in text and "UID" in text:
            uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
            flags[uid] = text.split("FLAGS (")[1].split(")")[0]
    return flags


def parse_sent(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message
