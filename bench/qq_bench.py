"""QQ path throughput: group events from a fake OneBot endpoint through ``python -m bot``.

Measures, in one run and on one machine:
  * ingest: N 报修 events pushed back to back over the forward WebSocket until N incidents
    are committed (event → adapter → matcher → intake → commit);
  * round trip: events sent one at a time, each waiting for its acknowledgement action
    (event → incident committed → outbox → throttle → send_group_msg received);
  * the acknowledgement rate when many are due (bounded by the per-account throttle, ≥1.2 s);
  * a bare WebSocket echo between an aiohttp client and server on 127.0.0.1, as the ceiling.

Usage: python bench/qq_bench.py [--events 300] [--round-trips 8] [--postgres URL]
Prints one JSON object. Never fails on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench.common import fresh_database, machine, postgres_url_from_env, run  # noqa: E402
from tests.integration.qq.fake_onebot import FakeOneBot  # noqa: E402

GROUP = 555000
INGEST_GROUPS = [GROUP + n for n in range(1, 11)]  # spread so the account pace, not one
                                                    # group's burst cap, bounds the acks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bench_echo(frames: int) -> float:
    """Round trips per second of a bare aiohttp WebSocket echo on 127.0.0.1."""
    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    payload = json.dumps({"post_type": "message", "raw_message": "报修 首页打不开" * 4})
    try:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"ws://127.0.0.1:{port}/") as ws:
                started = time.perf_counter()
                for _ in range(frames):
                    await ws.send_str(payload)
                    await ws.receive()
                return frames / (time.perf_counter() - started)
    finally:
        await runner.cleanup()


def _env(fake: FakeOneBot, data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DESK_", "ONEBOT_")) and k not in ("DRIVER", "ENVIRONMENT")}
    env.update({"DESK_WEB__PORT": str(_free_port()), "DESK_DESK__DATA_DIR": str(data_dir),
                "DESK_DATABASE__URL": database_url, "ONEBOT_WS_URLS": f'["{fake.url}"]',
                "ONEBOT_ACCESS_TOKEN": fake.token, "DESK_QQ__GROUPS": json.dumps([GROUP, *INGEST_GROUPS]),
                "DESK_SCHEDULER__DELIVERY_INTERVAL": "1s", "DESK_LOGGING__LEVEL": "WARNING",
                "LOG_LEVEL": "WARNING"})
    return env


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("select count(*) from incidents"))).scalar_one())


async def _ingest(fake: FakeOneBot, engine: AsyncEngine, events: int) -> dict[str, float]:
    base = await _count(engine)
    started = time.perf_counter()
    for i in range(events):
        await fake.push(fake.group_event(
            [{"type": "text", "data": {"text": f"报修 第{i}号网站首页打不开"}}],
            message_id=100_000 + i, user_id=20_000 + i % 50,
            group_id=INGEST_GROUPS[i % len(INGEST_GROUPS)]))
    pushed = time.perf_counter() - started
    while await _count(engine) < base + events:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    return {"events": events, "push_s": round(pushed, 3), "committed_s": round(elapsed, 3),
            "events_per_s": round(events / elapsed, 1)}


async def _ack_rate(fake: FakeOneBot, mark: int, window: float) -> dict[str, float]:
    await asyncio.sleep(window)
    acks = [a.at for a in fake.actions[mark:] if a.action == "send_group_msg"]
    gaps = [b - a for a, b in zip(acks, acks[1:])]
    return {"acks_in_window": len(acks), "window_s": window,
            "acks_per_s": round(len(acks) / window, 2),
            "min_gap_s": round(min(gaps), 3) if gaps else None}  # type: ignore[dict-item]


async def _round_trips(fake: FakeOneBot, count: int) -> dict[str, float]:
    samples = []
    for i in range(count):
        await asyncio.sleep(1.6)  # let the group's send gap (1.5 s) pass: latency, not pacing
        mark = len(fake.actions)
        started = time.perf_counter()
        await fake.push(fake.group_event(
            [{"type": "text", "data": {"text": f"报修 单条往返测试 {i}"}}],
            message_id=900_000 + i))
        await fake.wait_action("send_group_msg", after=mark, contains=f"单条往返测试 {i}",
                               timeout=30)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"round_trips": count, "median_ms": round(statistics.median(samples), 1),
            "max_ms": round(samples[-1], 1)}


async def bench_backend(kind: str, pg: str | None, events: int, trips: int) -> dict[str, Any]:
    """All desk-path figures on one database backend."""
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_database(kind, Path(tmp), pg) as engine:
            fake = FakeOneBot(heartbeat=5.0)
            await fake.start()
            url = engine.url.render_as_string(hide_password=False)
            log = (Path(tmp) / "desk.log").open("wb")
            proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT,
                                    env=_env(fake, Path(tmp) / "data", url),
                                    stdout=log, stderr=subprocess.STDOUT)
            try:
                await fake.wait_connected(timeout=60)
                trip = await _round_trips(fake, trips)
                mark = len(fake.actions)
                ingest = await _ingest(fake, engine, events)
                rate = await _ack_rate(fake, mark, 12.0)
            except Exception:
                print((Path(tmp) / "desk.log").read_text(errors="replace")[-3000:],
                      file=sys.stderr)
                raise
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
                log.close()
                await fake.stop()
    return {"ingest": ingest, "single_event_round_trip": trip, "ack_rate_when_backlogged": rate}


async def main_async(events: int, trips: int, pg: str | None) -> dict[str, Any]:
    results: dict[str, Any] = {"benchmark": "qq", "machine": machine()}
    results["bare_ws_echo_round_trips_per_s"] = round(await bench_echo(5000), 1)
    for kind in ["sqlite"] + (["postgresql"] if pg else []):
        results[kind] = await bench_backend(kind, pg, events, trips)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--round-trips", type=int, default=8)
    parser.add_argument("--postgres", default=postgres_url_from_env(),
                        help="admin URL; a scratch database is created and dropped")
    args = parser.parse_args()
    print(json.dumps(run(main_async(args.events, args.round_trips, args.postgres)),
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
