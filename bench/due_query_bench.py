"""The due-incident query at 1,000 and 100,000 open incidents (1% due): index-driven, not a scan.

Usage: python bench/due_query_bench.py [--sizes 1000,100000] [--postgres URL]
Prints one JSON object with the median/p95 query time per size, the ratio, and the plan.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench.common import (  # noqa: E402
    fresh_database, insert_in_batches, machine, postgres_url_from_env, run, timed,
)
from storage.db import make_session_factory  # noqa: E402
from storage.incidents import IncidentRepository  # noqa: E402
from storage.models import IncidentRow  # noqa: E402

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def incident_rows(size: int):  # type: ignore[no-untyped-def]
    """``size`` open incidents; every hundredth is due, the rest fall due over the next weeks."""
    for n in range(size):
        due = NOW - timedelta(minutes=n % 60 + 1) if n % 100 == 0 else (
            NOW + timedelta(minutes=5 + n % 40_000))
        yield dict(number=f"2026-{n + 1:06d}", title="t", description="d", category="fault",
                   severity="l4", status="in_progress", channel="qq", escalation_level=0,
                   reported_at=NOW - timedelta(days=1), response_due_at=due, next_due_at=due,
                   sla_paused_wall_s=0.0, sla_paused_work_s=0.0, updated_at=NOW)


async def populate(engine: AsyncEngine, size: int) -> None:
    """Insert the rows and refresh the planner's statistics."""
    await insert_in_batches(engine, IncidentRow, incident_rows(size))
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def measure(engine: AsyncEngine, size: int) -> dict[str, object]:
    factory = make_session_factory(engine)

    async def due_query() -> None:
        async with factory() as session:
            ids = await IncidentRepository(session).due_ids(NOW, limit=2000)
            assert len(ids) == size // 100

    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    sql = (f"{explain} SELECT id FROM incidents WHERE next_due_at <= :now "
           "ORDER BY next_due_at LIMIT 2000")
    now = NOW.isoformat(sep=" ") if engine.dialect.name == "sqlite" else NOW
    async with engine.connect() as conn:
        plan = [" ".join(str(c) for c in row)
                for row in (await conn.execute(text(sql), {"now": now})).all()]
    await due_query()  # warm the cache
    return {"open_incidents": size, "due": size // 100, **(await timed(due_query, 50)),
            "plan": plan}


async def main_async(sizes: list[int], pg: str | None) -> dict[str, object]:
    results: dict[str, object] = {"benchmark": "due_query", "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite"] + (["postgresql"] if pg else []):
            rows = []
            for size in sizes:
                async with fresh_database(kind, Path(tmp), pg) as engine:
                    await populate(engine, size)
                    rows.append(await measure(engine, size))
            ratio = rows[-1]["median_ms"] / rows[0]["median_ms"]  # type: ignore[operator]
            results[kind] = {"runs": rows, "largest_over_smallest_median": round(ratio, 2)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--postgres", default=postgres_url_from_env())
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(json.dumps(run(main_async(sizes, args.postgres)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
