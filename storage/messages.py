"""Messages exchanged on incidents and the inbound receipts that make redelivery harmless."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.messages import Attachment
from storage.models import InboundReceiptRow, MessageRow


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as the console and tracking page show it."""

    id: int
    incident_id: int
    direction: str
    channel: str
    author: str | None
    subject: str | None
    text: str
    at: datetime
    attachments: tuple[Attachment, ...]


class MessageRepository:
    """Stores inbound and outbound messages and answers threading look-ups."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def receipt_for(self, channel: str, external_id: str) -> InboundReceiptRow | None:
        """The receipt of an already-received message, if any."""
        stmt = select(InboundReceiptRow).where(InboundReceiptRow.channel == channel,
                                               InboundReceiptRow.external_id == external_id)
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def add_receipt(self, channel: str, external_id: str, *, at: datetime) -> InboundReceiptRow:
        """Record receipt; the unique key raises IntegrityError on a concurrent duplicate."""
        row = InboundReceiptRow(channel=channel, external_id=external_id, received_at=at)
        self._session.add(row)
        await self._session.flush()
        return row

    async def add(self, *, incident_id: int, direction: str, channel: str, text: str, at: datetime,
                  external_id: str | None = None, contact_id: int | None = None,
                  author: str | None = None, subject: str | None = None,
                  attachments: Iterable[Attachment] = (), raw: bytes | None = None) -> int:
        """Store one message and return its id."""
        row = MessageRow(incident_id=incident_id, direction=direction, channel=channel, text=text,
                         at=at, external_id=external_id, contact_id=contact_id, author=author,
                         subject=subject, raw=raw,
                         attachments=[{"filename": a.filename, "content_type": a.content_type,
                                       "size": a.size, "storage_ref": a.storage_ref}
                                      for a in attachments])
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def incident_for_keys(self, channel: str, keys: Iterable[str]) -> int | None:
        """The incident a stored message with one of ``keys`` belongs to (threading)."""
        keys = [k for k in keys if k]
        if not keys:
            return None
        stmt = (select(MessageRow.incident_id)
                .where(MessageRow.channel == channel, MessageRow.external_id.in_(keys))
                .order_by(MessageRow.id.desc()).limit(1))
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def for_incident(self, incident_id: int) -> list[StoredMessage]:
        """Every message of an incident, oldest first."""
        stmt = select(MessageRow).where(MessageRow.incident_id == incident_id) \
            .order_by(MessageRow.id)
        return [StoredMessage(r.id, r.incident_id, r.direction, r.channel, r.author, r.subject,
                              r.text, r.at,
                              tuple(Attachment(str(a["filename"]), str(a["content_type"]),
                                               int(str(a["size"])),
                                               _optional_str(a.get("storage_ref")))
                                    for a in r.attachments))
                for r in (await self._session.execute(stmt)).scalars()]


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
