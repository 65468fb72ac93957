"""The contact repository: recognise a requester by any identity, link and merge contacts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.contact import Contact, IdentityKind
from bot.domain.errors import InvalidInputError, UnknownContactError
from storage.models import MAX_ROW_ID, ContactIdentityRow, ContactRow, IncidentRow, MessageRow


class ContactRepository:
    """Finds, creates, links and merges contacts within one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_id(self, contact_id: int) -> Contact:
        """The contact, following merges to the surviving one."""
        for _ in range(16):  # merge chains are short; the bound guards against a cycle
            if not 0 < contact_id <= MAX_ROW_ID:  # PostgreSQL's INTEGER refuses larger numbers
                raise UnknownContactError(contact_id)
            row = await self._session.get(ContactRow, contact_id)
            if row is None:
                raise UnknownContactError(contact_id)
            if row.merged_into_id is None:
                return await self._to_contact(row)
            contact_id = row.merged_into_id
        raise UnknownContactError(contact_id)

    async def find(self, identities: Iterable[tuple[str, str]]) -> Contact | None:
        """The contact owning the first known identity, or None."""
        for kind, value in identities:
            stmt = select(ContactIdentityRow.contact_id).where(
                ContactIdentityRow.kind == kind, ContactIdentityRow.value == value)
            contact_id = (await self._session.execute(stmt)).scalar_one_or_none()
            if contact_id is not None:
                return await self.by_id(contact_id)
        return None

    async def find_or_create(self, identities: list[tuple[str, str]], *, name: str | None,
                             unit: str | None, now: datetime, learn: bool = True) -> Contact:
        """Recognise the sender, learning identities nobody else holds; else create one.

        With ``learn`` false (identities typed into a form, not proven by the channel) nothing
        is attached to an existing contact and a new contact gets only the first identity, so
        that nobody can link their own QQ to someone else's address by typing both; staff link
        the rest in the console.
        """
        contact = await self.find(identities)
        if contact is not None and not learn:
            return contact
        if not learn:
            identities = identities[:1]
        if contact is None:
            row = ContactRow(name=name, unit=unit, created_at=now)
            self._session.add(row)
            await self._session.flush()
            contact = Contact(name=name, unit=unit, id=row.id)
        elif (name and not contact.name) or (unit and not contact.unit):
            existing = await self._session.get(ContactRow, contact.id)
            assert existing is not None
            existing.name, existing.unit = existing.name or name, existing.unit or unit
            contact.name, contact.unit = existing.name, existing.unit
        for kind, value in identities:
            await self.link(contact, IdentityKind(kind), value)
        return contact

    async def link(self, contact: Contact, kind: IdentityKind, value: str) -> bool:
        """Attach an identity if no other contact holds it; True when it was added."""
        assert contact.id is not None
        if (kind, value) in contact.identities:
            return False
        stmt = select(ContactIdentityRow).where(ContactIdentityRow.kind == kind.value,
                                                ContactIdentityRow.value == value)
        existing = (await self._session.execute(stmt)).scalar_one_or_none()
        if existing is not None:
            return False
        self._session.add(ContactIdentityRow(contact_id=contact.id, kind=kind.value, value=value))
        await self._session.flush()
        contact.identities.append((kind, value))
        return True

    async def merge(self, keep_id: int, drop_id: int) -> Contact:
        """Fold ``drop`` into ``keep``: identities, incidents and messages move over."""
        if keep_id == drop_id:
            raise InvalidInputError("contact merged into itself", "不能把联系人合并到自身。")
        keep, drop = await self.by_id(keep_id), await self.by_id(drop_id)
        assert keep.id is not None and drop.id is not None
        for table, column in ((ContactIdentityRow, ContactIdentityRow.contact_id),
                              (IncidentRow, IncidentRow.requester_id),
                              (MessageRow, MessageRow.contact_id)):
            await self._session.execute(
                update(table).where(column == drop.id).values({column.key: keep.id}))
        drop_row = await self._session.get(ContactRow, drop.id)
        assert drop_row is not None
        drop_row.merged_into_id = keep.id
        await self._session.flush()
        return await self.by_id(keep.id)

    async def _to_contact(self, row: ContactRow) -> Contact:
        stmt = select(ContactIdentityRow).where(ContactIdentityRow.contact_id == row.id) \
            .order_by(ContactIdentityRow.id)
        identities = [(IdentityKind(r.kind), r.value)
                      for r in (await self._session.execute(stmt)).scalars()]
        return Contact(name=row.name, unit=row.unit, id=row.id,
                       merged_into=row.merged_into_id, identities=identities)
