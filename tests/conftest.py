"""Shared fixtures: an injected clock, the SLA policy, and a migrated database per backend.

Every test that takes ``session_factory`` runs twice: on a fresh SQLite file and on PostgreSQL.
PostgreSQL comes from DESK_TEST_POSTGRES_URL (``.ci/run`` always sets it). When that variable
is unset the tests try 127.0.0.1:5432 and skip the PostgreSQL half if nothing answers; when it
is set and the server does not answer, they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.duty_calendar import DutyCalendar
from bot.domain.sla import SlaPolicy
from config.calendar import load_official_days
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward and return the new now."""
        self.now += delta
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2026-11-25 10:00 Beijing time."""
    return FakeClock(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))


@pytest.fixture(scope="session")
def desk_calendar() -> DutyCalendar:
    """The default duty calendar on the official data."""
    return DutyCalendar(load_official_days(None))


@pytest.fixture(scope="session")
def policy(desk_calendar: DutyCalendar) -> SlaPolicy:
    """The contract's default SLA policy."""
    return SlaPolicy.with_defaults(desk_calendar)


def _postgres_admin_url() -> str | None:
    url = os.environ.get("DESK_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        asyncio.run(_ping(DEFAULT_PG_URL))
    except Exception:
        return None
    return DEFAULT_PG_URL


async def _ping(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def _admin(admin_url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A freshly created, migrated PostgreSQL database for this test session."""
    admin = _postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432 and DESK_TEST_POSTGRES_URL unset")
    name = f"sitedesk_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        engine = make_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a migrated database whose tables are empty."""
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":
        await upgrade(engine)
    else:
        tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test database."""
    return make_session_factory(engine)
