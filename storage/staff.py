"""The staff repository: the roster by username, QQ id or email, and login bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.staff import Role, Staff
from storage.models import StaffRow


class StaffRepository:
    """Reads and writes staff rows within one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, staff: Staff, *, now: datetime, password_hash: str | None = None) -> Staff:
        """Insert a member; the unique keys reject a second username, QQ id or email."""
        row = StaffRow(username=staff.username, display_name=staff.display_name,
                       role=staff.role.value, qq=staff.qq, email=staff.email,
                       password_hash=password_hash, active=staff.active, failed_logins=0,
                       created_at=now)
        self._session.add(row)
        await self._session.flush()
        staff.id = row.id
        return staff

    async def by_username(self, username: str) -> Staff | None:
        """The member with this login name."""
        return await self._one(StaffRow.username == username)

    async def by_qq(self, qq: str) -> Staff | None:
        """The active member with this QQ id."""
        return await self._one(StaffRow.qq == qq, StaffRow.active.is_(True))

    async def by_email(self, email: str) -> Staff | None:
        """The active member with this email address (case-insensitive)."""
        return await self._one(StaffRow.email == email.strip().lower(), StaffRow.active.is_(True))

    async def all(self, *, role: Role | None = None) -> list[Staff]:
        """The roster, optionally of one role."""
        stmt = select(StaffRow).order_by(StaffRow.username)
        if role is not None:
            stmt = stmt.where(StaffRow.role == role.value)
        return [_to_staff(r) for r in (await self._session.execute(stmt)).scalars()]

    async def row(self, username: str) -> StaffRow | None:
        """The raw row, for the login code that keeps hashes and lockouts."""
        stmt = select(StaffRow).where(StaffRow.username == username)
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def _one(self, *conditions: object) -> Staff | None:
        stmt = select(StaffRow).where(*conditions)  # type: ignore[arg-type]
        row = (await self._session.execute(stmt)).scalar_one_or_none()
        return _to_staff(row) if row else None


def _to_staff(row: StaffRow) -> Staff:
    return Staff(username=row.username, display_name=row.display_name, role=Role(row.role),
                 qq=row.qq, email=row.email, active=row.active, id=row.id)
