"""Two desk processes on one PostgreSQL, and kill -9 mid-sweep and mid-delivery.

Each notice reaches the far end exactly once; the one interrupted between sending and
marking is resent with the same idempotency key (the Message-ID for mail) and, on a channel
that cannot deduplicate, reported on the incident's timeline.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bot.domain.events import EventKind
from bot.domain.incident import Category
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.domain.sla import Severity, SlaPolicy
from bot.domain.staff import Role, Staff
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.notices import NoticeRenderer
from storage.db import make_engine, make_session_factory
from storage.models import Base, OutboxRow, TimelineEventRow
from storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration
WORKER = Path(__file__).with_name("desk_worker.py")
REPO = Path(__file__).resolve().parents[3]
CST = ZoneInfo("Asia/Shanghai")


async def seed(url: str, policy: SlaPolicy, count: int) -> None:
    """``count`` reports from ten days ago: feedback forms and the whole ladder are due."""
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    factory = make_session_factory(engine)
    async with UnitOfWork(factory) as uow:
        await uow.staff.add(Staff("boss", "赵经理", Role.MANAGER, qq="20009",
                                  email="boss@desk.example"), now=datetime.now(timezone.utc))
        await uow.commit()
    start = datetime.now(timezone.utc) - timedelta(days=10)
    intake = IntakeService(session_factory=factory, policy=policy, clock=lambda: start,
                           defaults=IntakeDefaults(Severity.L4, Category.FAULT),
                           renderer=NoticeRenderer(CST))
    for n in range(count):
        await intake.handle(InboundMessage(
            channel=ChannelKind.QQ, external_id=f"b:group:1:{n}",
            sender=SenderIdentity(name=f"老师{n}", qq=str(30000 + n), email=f"t{n}@s.edu.cn"),
            reply_to=ReplyAddress(ChannelKind.QQ, "group:1", str(n), str(30000 + n)),
            text=f"问题{n}", received_at=start))
    await engine.dispose()


async def outbox_state(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(OutboxRow))).scalar_one()
        open_rows = (await conn.execute(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.state.in_(["pending", "claimed", "sending"])))).scalar_one()
    await engine.dispose()
    return int(total), int(open_rows)


async def uncertain_incidents(url: str) -> int:
    engine = make_engine(url)
    async with engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(TimelineEventRow).where(
            TimelineEventRow.kind == EventKind.DELIVERY_UNCERTAIN.value))).scalar_one()
    await engine.dispose()
    return int(count)


class Workers:
    """Start, wait for and stop desk worker processes."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.tmp, self.sink, self.stop = tmp, tmp / "sink.jsonl", tmp / "stop"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
        self.env.update(DESK_DATABASE__URL=url, DESK_DESK__DATA_DIR=str(tmp / "data"),
                        DESK_DELIVERY__LEASE="2s", DESK_DELIVERY__BASE_BACKOFF="1s")
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, kill_point: str | None = None) -> subprocess.Popen[bytes]:
        ready = self.tmp / f"{name}.ready"
        cmd = [sys.executable, str(WORKER), str(self.sink), str(ready), str(self.stop)]
        if kill_point:
            cmd += ["--kill-point", kill_point]
        proc = subprocess.Popen(cmd, cwd=REPO, env=self.env)
        self.procs.append(proc)
        wait_for(lambda: ready.exists() or proc.poll() is not None, 60)
        assert proc.poll() is None, f"worker {name} exited with {proc.returncode}"
        return proc

    def finish(self, url: str) -> list[dict[str, str]]:
        def quiet() -> bool:
            total, open_rows = asyncio.run(outbox_state(url))
            return total > 0 and open_rows == 0
        wait_for(quiet, 90)
        time.sleep(1.0)  # one more sweep/delivery round finds nothing new
        assert asyncio.run(outbox_state(url))[1] == 0
        self.stop.write_text("stop")
        for proc in self.procs:
            if proc.poll() is None:
                proc.wait(timeout=30)
        return [json.loads(line) for line in self.sink.read_text().splitlines()]


def wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_processes_deliver_each_notice_exactly_once(
        postgres_url: str, policy: SlaPolicy, tmp_path: Path) -> None:
    asyncio.run(seed(postgres_url, policy, 25))
    workers = Workers(tmp_path, postgres_url)
    workers.start("a")
    workers.start("b")
    lines = workers.finish(postgres_url)
    counts = Counter(line["key"] for line in lines)
    assert counts and set(counts.values()) == {1}
    assert len(counts) == asyncio.run(outbox_state(postgres_url))[0]
    kinds = Counter(line["kind"] for line in lines)
    assert kinds["feedback_form"] == 25 and kinds["acknowledgement"] == 25
    assert kinds["handover"] == 0 and kinds["escalation"] >= 25 * 2


def test_kill_mid_delivery_resends_once_and_reports(
        postgres_url: str, policy: SlaPolicy, tmp_path: Path) -> None:
    asyncio.run(seed(postgres_url, policy, 5))
    workers = Workers(tmp_path, postgres_url)
    doomed = workers.start("doomed", kill_point="send")
    wait_for(lambda: workers.sink.exists() and workers.sink.read_text().strip(), 60)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    [interrupted] = [json.loads(line) for line in workers.sink.read_text().splitlines()]
    workers.start("survivor")
    lines = workers.finish(postgres_url)
    counts = Counter(line["key"] for line in lines)
    assert counts[interrupted["key"]] == 2  # same key twice: the Message-ID for mail
    assert {k: c for k, c in counts.items() if k != interrupted["key"]} and \
        set(c for k, c in counts.items() if k != interrupted["key"]) == {1}
    expected_reports = 0 if interrupted["channel"] == "email" else 1
    assert asyncio.run(uncertain_incidents(postgres_url)) == expected_reports


def test_kill_mid_sweep_loses_and_doubles_nothing(
        postgres_url: str, policy: SlaPolicy, tmp_path: Path) -> None:
    asyncio.run(seed(postgres_url, policy, 5))
    workers = Workers(tmp_path, postgres_url)
    doomed = workers.start("doomed", kill_point="sweep")
    wait_for(lambda: (tmp_path / "doomed.ready.in-sweep").exists(), 60)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    workers.start("survivor")
    lines = workers.finish(postgres_url)
    counts = Counter(line["key"] for line in lines)
    assert set(counts.values()) == {1}
    assert Counter(line["kind"] for line in lines)["feedback_form"] == 5
