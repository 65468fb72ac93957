"""The sweep over 100,000 open incidents of which 1% are due, beside the bare indexed query;
and the time from a deadline passing to its notice reaching the recording adapter.

Usage: python bench/sweep_bench.py [--open 100000] [--postgres URL] [--latency-incidents 40]
Prints one JSON object. Never fails on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench.common import (  # noqa: E402
    fresh_database, insert_in_batches, machine, postgres_url_from_env, run, timed,
)
from bot.channels.base import ChannelRegistry, DeliveryReceipt  # noqa: E402
from bot.domain.messages import ChannelKind, OutboundNotice  # noqa: E402
from bot.main import DeskService, build_policy, build_recipients, build_calendar  # noqa: E402
from bot.main import build_runtime  # noqa: E402
from bot.services.notices import NoticeRenderer  # noqa: E402
from bot.services.sweep import SweepService  # noqa: E402
from config.settings import load_settings  # noqa: E402
from storage.db import make_session_factory  # noqa: E402
from storage.incidents import IncidentRepository  # noqa: E402
from storage.models import IncidentRow  # noqa: E402


def incident_rows(size: int, now: datetime):  # type: ignore[no-untyped-def]
    """``size`` open L1 incidents; every hundredth has its warning due now."""
    for n in range(size):
        started = now - timedelta(minutes=12 if n % 100 == 0 else 1)
        warn = started + timedelta(minutes=11, seconds=15)
        yield dict(
            number=f"2026-{n + 1:06d}", title="首页打不开", description="d", category="fault",
            severity="l1", status="acknowledged", channel="qq", reply_kind="qq",
            reply_target="group:1", escalation_level=1, reported_at=started,
            response_started_at=started, response_due_at=started + timedelta(minutes=15),
            next_escalation_at=warn, next_due_at=warn, sla_paused_wall_s=0.0,
            sla_paused_work_s=0.0, updated_at=now, tracking_token=f"t{n}")


async def populate(engine: AsyncEngine, size: int, now: datetime) -> int:
    """Insert the rows; returns how many are due."""
    await insert_in_batches(engine, IncidentRow, incident_rows(size, now))
    return (size + 99) // 100


async def bench_sweep(kind: str, size: int, pg: str | None, tmp: Path) -> dict[str, object]:
    settings = load_settings(tmp / "absent.toml", {"DESK_NOTIFY__DESK_QQ_GROUP": "8888"})
    calendar = build_calendar(settings)
    policy = build_policy(settings, calendar)
    now = datetime.now(timezone.utc)
    async with fresh_database(kind, tmp, pg) as engine:
        due = await populate(engine, size, now)
        factory = make_session_factory(engine)

        async def bare() -> None:
            async with factory() as session:
                await IncidentRepository(session).due_ids(now, limit=size)

        query = await timed(bare, 20)
        sweep = SweepService(session_factory=factory, policy=policy,
                             rules=settings.escalation.rules(), clock=lambda: now,
                             renderer=NoticeRenderer(settings.desk.zone()),
                             recipients=build_recipients(settings), batch=size)
        started = time.perf_counter()
        report = await sweep.sweep()
        elapsed = time.perf_counter() - started
        again = time.perf_counter()
        rerun = await sweep.sweep()
        rerun_s = time.perf_counter() - again
    return {"open_incidents": size, "due": due, "visited": report.visited,
            "actions": len(report.actions), "sweep_s": round(elapsed, 3),
            "per_due_incident_ms": round(elapsed * 1000 / max(due, 1), 3),
            "bare_due_query": query, "rerun_actions": len(rerun.actions),
            "rerun_s": round(rerun_s, 4)}


class StampingChannel:
    """A recording adapter that notes when each notice arrived."""

    def __init__(self, kind: ChannelKind) -> None:
        self.kind = kind
        self.arrivals: dict[str, float] = {}

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        self.arrivals.setdefault(notice.incident_number or "", time.time())
        return DeliveryReceipt(datetime.now(timezone.utc))


async def bench_latency(count: int, tmp: Path) -> dict[str, object]:
    """Incidents whose response target passes at staggered times; breach notice latency."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = load_settings(tmp / "absent.toml", {
        "DESK_SLA__L4": "3s", "DESK_ESCALATION__WARN_SHARE": "0.99",
        "DESK_SCHEDULER__SWEEP_INTERVAL": "1s", "DESK_SCHEDULER__DELIVERY_INTERVAL": "5s",
        "DESK_NOTIFY__DESK_QQ_GROUP": "8888", "DESK_DESK__DATA_DIR": str(tmp / "lat"),
        "DESK_WEB__PORT": str(port)})
    registry = ChannelRegistry()
    stamp = StampingChannel(ChannelKind.QQ)
    registry.register(stamp)
    runtime = build_runtime(settings, registry=registry)
    service = DeskService(runtime)
    await service.start()
    deadlines: dict[str, float] = {}
    from bot.domain.messages import InboundMessage, ReplyAddress, SenderIdentity
    try:
        for n in range(count):
            received = datetime.now(timezone.utc)
            result = await runtime.intake.handle(InboundMessage(
                channel=ChannelKind.PHONE, external_id=f"lat-{n}",
                sender=SenderIdentity(name="x", phone=f"1390000{n:04d}"),
                reply_to=ReplyAddress(ChannelKind.PHONE, "x"), text="延迟测试",
                received_at=received))
            deadlines[result.incident_number or ""] = received.timestamp() + 3 * 0.99
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + 30
        while len(stamp.arrivals) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        await service.stop()
    lat = sorted(stamp.arrivals[k] - d for k, d in deadlines.items() if k in stamp.arrivals)
    return {"incidents": count, "arrived": len(lat), "sweep_interval_s": 1,
            "latency_s_p50": round(statistics.median(lat), 3) if lat else None,
            "latency_s_p95": round(lat[int(len(lat) * 0.95) - 1], 3) if lat else None,
            "latency_s_max": round(lat[-1], 3) if lat else None}


async def main_async(size: int, pg: str | None, latency_count: int) -> dict[str, object]:
    results: dict[str, object] = {"benchmark": "sweep", "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite"] + (["postgresql"] if pg else []):
            results[kind] = await bench_sweep(kind, size, pg, Path(tmp))
        results["deadline_to_notice"] = await bench_latency(latency_count, Path(tmp))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--postgres", default=postgres_url_from_env())
    parser.add_argument("--latency-incidents", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(run(main_async(args.open, args.postgres, args.latency_incidents)),
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
