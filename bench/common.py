"""Shared bits of the benchmarks: machine description, databases, timing."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine
from storage.migrate import upgrade


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine()}


def postgres_url_from_env() -> str | None:
    """The admin URL the tests use, if set."""
    return os.environ.get("DESK_TEST_POSTGRES_URL")


@asynccontextmanager
async def fresh_database(kind: str, workdir: Path, pg_admin: str | None) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of ``kind`` that is removed afterwards."""
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        try:
            yield engine
        finally:
            await engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert pg_admin is not None
    name = f"sitedesk_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_admin, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(pg_admin).set(database=name).render_as_string(False))
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> dict[str, float]:
    """Median and p95 wall time of ``repeat`` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 3),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3)}


def run(coro: Awaitable[Any]) -> Any:
    """asyncio.run for a coroutine object."""
    return asyncio.run(coro)  # type: ignore[arg-type]


async def insert_in_batches(engine: AsyncEngine, table: Any, rows: Iterable[dict[str, Any]],
                            batch: int = 5000) -> None:
    """Bulk-insert ``rows`` into ``table`` a batch per transaction."""
    pending: list[dict[str, Any]] = []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            async with engine.begin() as conn:
                await conn.execute(insert(table), pending)
            pending = []
    if pending:
        async with engine.begin() as conn:
            await conn.execute(insert(table), pending)
