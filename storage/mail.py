"""The raw mail store: inbound mails by every key, their processing state, quarantine, participants."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MAX_ROW_ID, MailKeyRow, MailParticipantRow, MailRow, OutboxRow


class MailState(StrEnum):
    """Where a stored mail stands. Only ``stored`` and ``relaying`` still need work."""

    STORED = "stored"
    RELAYING = "relaying"
    PROCESSED = "processed"
    QUARANTINED = "quarantined"
    DROPPED = "dropped"


PENDING_STATES = frozenset({MailState.STORED, MailState.RELAYING})


@dataclass(frozen=True, slots=True)
class StoredMail:
    """A stored mail; ``raw`` is the exact bytes fetched from the server."""

    id: int
    mailbox: str
    uidvalidity: int | None
    uid: int | None
    message_id: str | None
    sha256: str
    size: int
    state: MailState
    reason: str | None
    error: str | None
    incident_number: str | None
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    raw: bytes


def uid_key(mailbox: str, uidvalidity: int | None, uid: int | None) -> str | None:
    """The server-side key of a mail (RFC 3501 §2.3.1.1: UIDs are unique per UIDVALIDITY)."""
    if uidvalidity is None or uid is None:
        return None
    return f"uid:{mailbox}:{uidvalidity}:{uid}"


def mail_keys(raw: bytes, *, mailbox: str, uidvalidity: int | None, uid: int | None,
              message_id: str | None) -> list[str]:
    """Every key of a mail: its server position, its Message-ID and the hash of its bytes."""
    keys = [f"sha:{hashlib.sha256(raw).hexdigest()}"]
    if message_id:
        keys.append(f"mid:{message_id[:590]}")
    server = uid_key(mailbox, uidvalidity, uid)
    if server:
        keys.append(server)
    return keys


class MailRepository:
    """Stores raw mails once, tracks their processing, answers thread look-ups."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, keys: Iterable[str]) -> StoredMail | None:
        """The stored mail holding any of ``keys``."""
        stmt = select(MailKeyRow.mail_id).where(MailKeyRow.key.in_(list(keys))).limit(1)
        mail_id = (await self._session.execute(stmt)).scalar_one_or_none()
        return await self.get(mail_id) if mail_id is not None else None

    async def store(self, raw: bytes, *, mailbox: str, uidvalidity: int | None, uid: int | None,
                    message_id: str | None, now: datetime) -> tuple[StoredMail, bool]:
        """Store ``raw`` unless a mail with any of its keys exists; True when stored now.

        A known mail gains the keys it did not have yet (say, its new UID after a move), so
        the next look-up by any of them finds it. Raises IntegrityError on a concurrent store.
        """
        keys = mail_keys(raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                         message_id=message_id)
        existing = await self.find(keys)
        if existing is not None:
            await self._add_keys(existing.id, keys)
            return existing, False
        row = MailRow(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                      message_id=message_id[:500] if message_id else None,
                      sha256=keys[0][4:], size=len(raw), raw=raw, state=MailState.STORED.value,
                      attempts=0, received_at=now)
        self._session.add(row)
        await self._session.flush()
        await self._add_keys(row.id, keys)
        return _to_mail(row), True

    async def get(self, mail_id: int) -> StoredMail:
        """The stored mail ``mail_id``; raises LookupError."""
        return _to_mail(await self._row(mail_id))

    async def known_uids(self, mailbox: str, uidvalidity: int, uids: Iterable[int]
                         ) -> dict[int, MailState]:
        """Which of ``uids`` are stored already, with their state."""
        by_key = {uid_key(mailbox, uidvalidity, uid): uid for uid in uids}
        if not by_key:
            return {}
        stmt = (select(MailKeyRow.key, MailRow.state).join(MailRow, MailRow.id == MailKeyRow.mail_id)
                .where(MailKeyRow.key.in_(list(by_key))))
        return {by_key[key]: MailState(state)
                for key, state in (await self._session.execute(stmt)).all()}

    async def pending(self, *, limit: int = 500) -> list[int]:
        """Stored mails not processed yet, oldest first (work left by a crash)."""
        stmt = (select(MailRow.id).where(MailRow.state.in_([s.value for s in PENDING_STATES]))
                .order_by(MailRow.id).limit(limit))
        return list((await self._session.execute(stmt)).scalars())

    async def set_state(self, mail_id: int, state: MailState, *, now: datetime,
                        reason: str | None = None, error: str | None = None,
                        incident_number: str | None = None) -> None:
        """Record the outcome (or the next step) of processing."""
        row = await self._row(mail_id)
        row.state, row.reason, row.error = state.value, reason, error[:4000] if error else None
        row.incident_number = incident_number or row.incident_number
        if state not in PENDING_STATES:
            row.processed_at = now
        await self._session.flush()

    async def begin_attempt(self, mail_id: int) -> int:
        """Count one more processing attempt (committed before the work); the new count.

        ``attempts`` counts attempts since the mail was stored or last requeued: every one
        that failed and every one a crash cut short, so a mail that always fails is noticed.
        """
        row = await self._row(mail_id)
        row.attempts += 1
        await self._session.flush()
        return row.attempts

    async def note_failure(self, mail_id: int, error: str) -> None:
        """Record why an attempt failed; the state stays as it is (still pending)."""
        row = await self._row(mail_id)
        row.error = error[:4000]
        await self._session.flush()

    async def requeue(self, mail_id: int) -> None:
        """Put a quarantined or dropped mail back to be processed again, with fresh attempts."""
        row = await self._row(mail_id)
        row.state, row.processed_at, row.attempts = MailState.STORED.value, None, 0
        await self._session.flush()

    async def quarantined(self, *, limit: int = 100) -> list[StoredMail]:
        """Mails that could not be parsed or kept failing, newest first, for the desk."""
        stmt = (select(MailRow).where(MailRow.state == MailState.QUARANTINED.value)
                .order_by(MailRow.id.desc()).limit(limit))
        return [_to_mail(r) for r in (await self._session.execute(stmt)).scalars()]

    async def count_by_state(self) -> dict[str, int]:
        """How many stored mails are in each state."""
        stmt = select(MailRow.state, func.count()).group_by(MailRow.state)
        return {state: count for state, count in (await self._session.execute(stmt)).all()}

    async def incident_for_message_ids(self, message_ids: Iterable[str]) -> int | None:
        """The incident of a notice we sent with one of these Message-IDs (threading)."""
        ids = [i for i in message_ids if i]
        if not ids:
            return None
        stmt = (select(OutboxRow.incident_id)
                .where(OutboxRow.external_id.in_(ids), OutboxRow.incident_id.is_not(None))
                .order_by(OutboxRow.id.desc()).limit(1))
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def add_participants(self, incident_id: int, addresses: Iterable[str]) -> None:
        """Remember who took part in an incident's mail thread (idempotent)."""
        wanted = {a.strip().lower() for a in addresses if a and "@" in a}
        if not wanted:
            return
        stmt = select(MailParticipantRow.address).where(
            MailParticipantRow.incident_id == incident_id,
            MailParticipantRow.address.in_(wanted))
        known = set((await self._session.execute(stmt)).scalars())
        for address in sorted(wanted - known):
            self._session.add(MailParticipantRow(incident_id=incident_id, address=address[:320]))
        await self._session.flush()

    async def is_participant(self, incident_id: int, address: str | None) -> bool:
        """Whether ``address`` took part in the incident's mail thread (e.g. was on Cc)."""
        if not address:
            return False
        stmt = select(MailParticipantRow.id).where(
            MailParticipantRow.incident_id == incident_id,
            MailParticipantRow.address == address.strip().lower()).limit(1)
        return (await self._session.execute(stmt)).scalar_one_or_none() is not None

    async def _add_keys(self, mail_id: int, keys: list[str]) -> None:
        stmt = select(MailKeyRow.key).where(MailKeyRow.key.in_(keys))
        present = set((await self._session.execute(stmt)).scalars())
        for key in keys:
            if key not in present:
                self._session.add(MailKeyRow(key=key, mail_id=mail_id))
        await self._session.flush()

    async def _row(self, mail_id: int) -> MailRow:
        row = await self._session.get(MailRow, mail_id) if 0 < mail_id <= MAX_ROW_ID else None
        if row is None:
            raise LookupError(f"mail {mail_id} does not exist")
        return row


def _to_mail(row: MailRow) -> StoredMail:
    return StoredMail(id=row.id, mailbox=row.mailbox, uidvalidity=row.uidvalidity, uid=row.uid,
                      message_id=row.message_id, sha256=row.sha256, size=row.size,
                      state=MailState(row.state), reason=row.reason, error=row.error,
                      incident_number=row.incident_number, attempts=row.attempts,
                      received_at=row.received_at, processed_at=row.processed_at, raw=row.raw)
