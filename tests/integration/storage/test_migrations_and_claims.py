"""Alembic round trip on both backends, and disjoint outbox claims on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.messages import ChannelKind, NoticeKind, OutboundNotice, ReplyAddress
from storage.migrate import downgrade, upgrade
from storage.models import Base
from storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_round_trip(engine: AsyncEngine) -> None:
    expected = set(Base.metadata.tables)
    assert expected <= await table_names(engine)
    await downgrade(engine, "base")
    assert not expected & await table_names(engine)
    await upgrade(engine)
    assert expected <= await table_names(engine)


async def test_two_workers_claim_disjoint_rows(session_factory: async_sessionmaker[AsyncSession],
                                               clock: object) -> None:
    async with UnitOfWork(session_factory) as uow:
        for n in range(40):
            await uow.outbox.add(OutboundNotice(
                kind=NoticeKind.PROGRESS, address=ReplyAddress(ChannelKind.QQ, "group:1"),
                text=f"n{n}", idempotency_key=f"k{n}"), now=clock())  # type: ignore[operator]
        await uow.commit()

    async def claim() -> list[int]:
        got: list[int] = []
        for _ in range(10):
            async with UnitOfWork(session_factory) as uow:
                items = await uow.outbox.claim_due(clock(), limit=3,  # type: ignore[operator]
                                                   lease=timedelta(minutes=1))
                await asyncio.sleep(0.01)  # hold the locks while the other worker claims
                await uow.commit()
            got += [i.id for i in items]
        return got

    first, second = await asyncio.gather(claim(), claim())
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40
