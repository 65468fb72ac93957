"""Staff authentication: scrypt password hashes, console sessions and lockout after failures."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.errors import InvalidInputError
from bot.domain.staff import Role, Staff
from bot.services.clock import Clock
from storage.staff import StaffRepository
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

# scrypt with N=2**14, r=8, p=1 uses 16 MiB per hash (RFC 7914 §2; OWASP's minimum for scrypt).
_N, _R, _P, _DKLEN = 2 ** 14, 8, 1, 32
_MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P,
                            dklen=_DKLEN, maxmem=64 * 1024 * 1024)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time; False for anything malformed)."""
    parts = (stored or "").split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                            dklen=len(expected), maxmem=64 * 1024 * 1024)
    return hmac.compare_digest(digest, expected)


def check_password_strength(password: str) -> None:
    """Reject passwords too short to resist guessing."""
    if len(password) < _MIN_PASSWORD:
        raise InvalidInputError("password too short", f"密码至少需要 {_MIN_PASSWORD} 个字符。")


_dummy_hash: list[str] = []


def _dummy() -> str:
    # Verified when the username is unknown, so both paths cost one scrypt (no user
    # enumeration by timing).
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_urlsafe(12)))
    return _dummy_hash[0]


class LoginOutcome(StrEnum):
    """Why a login attempt ended the way it did."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome and, when it succeeded, the session cookie value and the member."""

    outcome: LoginOutcome
    token: str | None = None
    staff: Staff | None = None
    locked_until: datetime | None = None


@dataclass
class AuthService:
    """Logs staff in and out and resolves session cookies to staff members."""

    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock
    session_lifetime: timedelta = timedelta(hours=8)
    lockout_after: int = 5
    lockout_time: timedelta = timedelta(minutes=15)

    async def login(self, username: str, password: str) -> LoginResult:
        """Check the password; count failures and lock the account after too many."""
        now = self.clock()
        async with UnitOfWork(self.session_factory) as uow:
            row = await uow.staff.row(username.strip())
            if row is None or not row.active:
                await asyncio.to_thread(verify_password, password, _dummy())
                return LoginResult(LoginOutcome.BAD_CREDENTIALS)
            if row.locked_until is not None and row.locked_until > now:
                return LoginResult(LoginOutcome.LOCKED, locked_until=row.locked_until)
            ok = await asyncio.to_thread(verify_password, password, row.password_hash)
            if not ok:
                row.failed_logins = (row.failed_logins or 0) + 1
                locked = row.failed_logins >= self.lockout_after
                if locked:
                    row.locked_until, row.failed_logins = now + self.lockout_time, 0
                    logger.warning("staff=%s locked after repeated login failures", row.username)
                await uow.commit()
                return LoginResult(LoginOutcome.LOCKED if locked else LoginOutcome.BAD_CREDENTIALS,
                                   locked_until=row.locked_until if locked else None)
            row.failed_logins, row.locked_until = 0, None
            token = secrets.token_urlsafe(32)
            await uow.web_sessions.add(token, staff_id=row.id, now=now,
                                       expires_at=now + self.session_lifetime)
            staff = await uow.staff.by_username(row.username)
            await uow.commit()
        logger.info("staff=%s logged in", username)
        return LoginResult(LoginOutcome.OK, token=token, staff=staff)

    async def staff_for(self, token: str) -> Staff | None:
        """The member a session cookie belongs to, if the session is live."""
        async with UnitOfWork(self.session_factory) as uow:
            row = await uow.web_sessions.staff_row(token, now=self.clock())
            return await uow.staff.by_username(row.username) if row else None

    async def logout(self, token: str) -> None:
        """End the session behind ``token``."""
        async with UnitOfWork(self.session_factory) as uow:
            await uow.web_sessions.delete(token)
            await uow.commit()


async def add_staff(session_factory: async_sessionmaker[AsyncSession], staff: Staff, *,
                    password: str, now: datetime) -> Staff:
    """Create a member with a hashed password (the ``staff add`` command)."""
    check_password_strength(password)
    hashed = await asyncio.to_thread(hash_password, password)
    async with UnitOfWork(session_factory) as uow:
        if await uow.staff.by_username(staff.username) is not None:
            raise InvalidInputError("duplicate username", f"用户名“{staff.username}”已存在。")
        added = await uow.staff.add(staff, now=now, password_hash=hashed)
        await uow.commit()
    return added


async def set_password(session_factory: async_sessionmaker[AsyncSession], username: str,
                       password: str) -> None:
    """Replace a member's password and clear any lockout (the ``staff passwd`` command)."""
    check_password_strength(password)
    hashed = await asyncio.to_thread(hash_password, password)
    async with UnitOfWork(session_factory) as uow:
        row = await uow.staff.row(username)
        if row is None:
            raise InvalidInputError("unknown staff", f"找不到用户“{username}”。")
        row.password_hash, row.failed_logins, row.locked_until = hashed, 0, None
        await uow.commit()


async def list_staff(session_factory: async_sessionmaker[AsyncSession]) -> list[Staff]:
    """The roster (the ``staff list`` command)."""
    async with UnitOfWork(session_factory) as uow:
        return await StaffRepository(uow.session).all()


def parse_role(text: str) -> Role:
    """A role by value or Chinese label."""
    for role in Role:
        if text.strip().lower() in (role.value, role.label):
            return role
    raise InvalidInputError(f"unknown role {text!r}",
                            "角色应为 desk、engineer、manager 或 admin。")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as err:
        raise ValueError("bad base64") from err
