"""Staff console sessions: stored by the hash of the cookie value, expiring, revocable."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StaffRow, WebSessionRow


def hash_token(token: str) -> str:
    """The stored form of a session cookie value (a leaked table yields no usable cookie)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionRepository:
    """Creates, resolves and deletes console sessions within one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: str, *, staff_id: int, now: datetime,
                  expires_at: datetime) -> None:
        """Store a new session for ``staff_id``."""
        self._session.add(WebSessionRow(token_hash=hash_token(token), staff_id=staff_id,
                                        created_at=now, expires_at=expires_at))
        await self._session.flush()

    async def staff_row(self, token: str, *, now: datetime) -> StaffRow | None:
        """The active staff row behind a live session, or None."""
        stmt = (select(StaffRow).join(WebSessionRow, WebSessionRow.staff_id == StaffRow.id)
                .where(WebSessionRow.token_hash == hash_token(token),
                       WebSessionRow.expires_at > now, StaffRow.active.is_(True)))
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def delete(self, token: str) -> None:
        """End one session (logout)."""
        await self._session.execute(
            delete(WebSessionRow).where(WebSessionRow.token_hash == hash_token(token)))

    async def delete_expired(self, now: datetime) -> int:
        """Remove sessions past their expiry; returns how many."""
        result = await self._session.execute(
            delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)
