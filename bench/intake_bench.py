"""Intake throughput: N messages through IntakeService vs raw inserts of the same rows, same run.

Usage: python bench/intake_bench.py [--messages 10000] [--postgres URL]
Prints one JSON object. Never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench.common import fresh_database, machine, postgres_url_from_env, run  # noqa: E402
from bot.domain.duty_calendar import DutyCalendar  # noqa: E402
from bot.domain.incident import Category  # noqa: E402
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity  # noqa: E402
from bot.domain.sla import Severity, SlaPolicy  # noqa: E402
from bot.services.intake import IntakeDefaults, IntakeService  # noqa: E402
from bot.services.notices import NoticeRenderer  # noqa: E402
from config.calendar import load_official_days  # noqa: E402
from storage.db import make_session_factory  # noqa: E402
from storage.models import (  # noqa: E402
    ContactIdentityRow, ContactRow, IncidentRow, InboundReceiptRow, MessageRow, OutboxRow,
    TimelineEventRow,
)

START = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
CST = ZoneInfo("Asia/Shanghai")


def messages(count: int) -> list[InboundMessage]:
    """Distinct QQ reports from 200 webmasters, one every 10 seconds."""
    out = []
    for n in range(count):
        qq = str(100000 + n % 200)
        out.append(InboundMessage(
            channel=ChannelKind.QQ, external_id=f"bot:group:555:{n}",
            sender=SenderIdentity(name=f"老师{n % 200}", qq=qq),
            reply_to=ReplyAddress(ChannelKind.QQ, "group:555", f"msg:{n}", qq),
            text=f"第{n}号问题：栏目页面打不开，提示 500 错误", received_at=START + timedelta(seconds=10 * n),
            raw=b'{"post_type":"message","message_type":"group"}'))
    return out


async def bench_intake(engine: AsyncEngine, msgs: list[InboundMessage], policy: SlaPolicy) -> float:
    factory = make_session_factory(engine)
    intake = IntakeService(session_factory=factory, policy=policy, clock=lambda: START,
                           defaults=IntakeDefaults(Severity.L4, Category.FAULT),
                           renderer=NoticeRenderer(CST))
    started = time.perf_counter()
    for msg in msgs:
        await intake.handle(msg)
    return len(msgs) / (time.perf_counter() - started)


async def bench_raw(engine: AsyncEngine, msgs: list[InboundMessage]) -> float:
    """The same rows (receipt, contact on first sight, incident, message, 2 events, outbox) with
    Core inserts, one transaction per message: the floor intake's bookkeeping sits on."""
    contacts: dict[str, int] = {}
    started = time.perf_counter()
    for n, msg in enumerate(msgs):
        async with engine.begin() as conn:
            await conn.execute(insert(InboundReceiptRow).values(
                channel="qq", external_id=msg.external_id, received_at=START))
            qq = msg.sender.qq or ""
            if qq not in contacts:
                result = await conn.execute(insert(ContactRow).values(name=msg.sender.name,
                                                                      created_at=START))
                contacts[qq] = int(result.inserted_primary_key[0])
                await conn.execute(insert(ContactIdentityRow).values(
                    contact_id=contacts[qq], kind="qq", value=qq))
            result = await conn.execute(insert(IncidentRow).values(
                number=f"2026-{n + 1:05d}", title=msg.text[:60], description=msg.text,
                category="fault", severity="l4", status="new", channel="qq",
                requester_id=contacts[qq], reply_kind="qq", reply_target="group:555",
                escalation_level=0, reported_at=msg.received_at, sla_paused_wall_s=0.0,
                sla_paused_work_s=0.0, next_due_at=msg.received_at, updated_at=START))
            incident_id = int(result.inserted_primary_key[0])
            await conn.execute(insert(MessageRow).values(
                incident_id=incident_id, direction="in", channel="qq", text=msg.text,
                at=msg.received_at, external_id=msg.external_id, raw=msg.raw, attachments=[]))
            await conn.execute(insert(TimelineEventRow), [
                {"incident_id": incident_id, "kind": k, "actor": "x", "at": START,
                 "public": True, "data": {}} for k in ("opened", "notice_queued")])
            await conn.execute(insert(OutboxRow).values(
                kind="acknowledgement", channel="qq", target="group:555", text="已收到",
                incident_id=incident_id, idempotency_key=f"ack:{n}", state="pending",
                attempts=0, next_attempt_at=START, created_at=START, extra={}))
    return len(msgs) / (time.perf_counter() - started)


async def main_async(count: int, pg: str | None) -> dict[str, object]:
    policy = SlaPolicy.with_defaults(DutyCalendar(load_official_days(None)))
    msgs = messages(count)
    results: dict[str, object] = {"benchmark": "intake", "messages": count, "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite"] + (["postgresql"] if pg else []):
            async with fresh_database(kind, Path(tmp), pg) as engine:
                raw = await bench_raw(engine, msgs)
            async with fresh_database(kind, Path(tmp), pg) as engine:
                intake = await bench_intake(engine, msgs, policy)
            results[kind] = {"intake_msgs_per_s": round(intake, 1),
                             "raw_inserts_msgs_per_s": round(raw, 1),
                             "intake_vs_raw": round(intake / raw, 3)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--postgres", default=postgres_url_from_env(),
                        help="admin URL; a scratch database is created and dropped")
    args = parser.parse_args()
    print(json.dumps(run(main_async(args.messages, args.postgres)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
