"""Repair-form submissions per second at concurrency 8, beside a bare aiohttp handler.

Usage: python bench/web_bench.py [--requests 800] [--concurrency 8] [--postgres URL]
Both servers run on 127.0.0.1 in this process and loop, driven by the same aiohttp client code;
the form goes through CSRF, anti-spam checks, validation, IntakeService and the redirect.
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
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.common import machine, postgres_url_from_env  # noqa: E402
from bot.main import build_runtime  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from config.settings import Settings  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

SITE = "教务处 jwc.example.edu.cn"
FORM = {"name": "张老师", "unit": "教务处", "site": SITE, "phone": "0571-88881234",
        "email": "zhang@example.edu.cn", "category": "fault", "urgency": "high",
        "description": "教务处网站首页打不开，提示 502 错误，从今天上午九点开始。"}


async def bare_handler(request: web.Request) -> web.Response:
    """The floor: read the same form and answer, doing nothing else."""
    await request.post()
    return web.Response(status=303, headers={"Location": "/done"})


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Start ``app`` on a free loopback port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


async def form_fields(session: aiohttp.ClientSession, base: str) -> dict[str, str]:
    """The hidden fields (CSRF token, stamp) a browser would send back."""
    import re

    html = await (await session.get(f"{base}/baoxiu")).text()
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


async def drive(base: str, path: str, total: int, concurrency: int, *,
                fetch_form: bool) -> dict[str, Any]:
    """``total`` POSTs from ``concurrency`` workers, each with its own cookie jar."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    per_worker = total // concurrency

    async def worker() -> None:
        # unsafe=True: keep cookies set by an IP-address host (the CSRF cookie).
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            hidden = await form_fields(session, base) if fetch_form else {}
            for _ in range(per_worker):
                data = {**hidden, **FORM, "submission_id": uuid.uuid4().hex}
                start = time.perf_counter()
                async with session.post(f"{base}{path}", data=data,
                                        allow_redirects=False) as resp:
                    await resp.read()
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 2),
            "statuses": statuses}


async def bench_backend(database_url: str, workdir: Path, total: int,
                        concurrency: int) -> dict[str, Any]:
    """The desk's form against the bare handler, on one database."""
    settings = Settings.model_validate({
        "database": {"url": database_url}, "desk": {"data_dir": str(workdir / "data")},
        "web": {"sites": [SITE], "secret_key": "bench" * 8, "min_fill_time": "0s",
                "form_rate_limit": 0, "login_rate_limit": 0}})
    runtime = build_runtime(settings)
    await upgrade(runtime.engine)
    desk_runner, desk_base = await serve(create_app(runtime, lambda: {"running": True}))
    bare = web.Application()
    bare.router.add_post("/baoxiu", bare_handler)
    bare_runner, bare_base = await serve(bare)
    try:
        await drive(desk_base, "/baoxiu", concurrency * 5, concurrency, fetch_form=True)  # warm
        desk = await drive(desk_base, "/baoxiu", total, concurrency, fetch_form=True)
        floor = await drive(bare_base, "/baoxiu", total, concurrency, fetch_form=False)
    finally:
        await desk_runner.cleanup()
        await bare_runner.cleanup()
        await runtime.engine.dispose()
    return {"repair_form": desk, "bare_aiohttp": floor,
            "overhead_ms_p50": round(desk["p50_ms"] - floor["p50_ms"], 2)}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Run on SQLite, and on PostgreSQL when a URL is given."""
    results: dict[str, Any] = {"benchmark": "web_form", "concurrency": args.concurrency,
                               "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results["sqlite"] = await bench_backend(f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
                                                workdir, args.requests, args.concurrency)
        if args.postgres:
            from bench.common import fresh_database

            async with fresh_database("postgresql", workdir, args.postgres) as engine:
                url = engine.url.render_as_string(hide_password=False)
                results["postgresql"] = await bench_backend(url, workdir, args.requests,
                                                            args.concurrency)
    return results


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", default=postgres_url_from_env())
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
