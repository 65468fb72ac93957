"""A desk serving HTTP on 127.0.0.1 from its own thread and loop, for clients that block."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.main import build_runtime
from bot.runtime import Runtime
from bot.services.auth import add_staff
from bot.web.app import create_app
from storage.migrate import upgrade
from tests.integration.web.conftest import PASSWORD, STAFF, web_settings


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start(runtime: Runtime, port: int) -> web.AppRunner:
    await upgrade(runtime.engine)
    for staff in STAFF[:2]:
        await add_staff(runtime.session_factory, staff, password=PASSWORD, now=runtime.clock())
    runner = web.AppRunner(create_app(runtime, lambda: {"running": True}), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@contextmanager
def live_desk(tmp_path: Path, **web_overrides: Any) -> Iterator[tuple[str, Runtime]]:
    """Yield the base URL of a running desk on a fresh SQLite file, and its runtime."""
    port = free_port()
    settings = web_settings(tmp_path / "data", f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
                            port=port, **web_overrides)
    runtime = build_runtime(settings)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        holder["runner"] = loop.run_until_complete(_start(runtime, port))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("live desk did not start")
    try:
        yield f"http://127.0.0.1:{port}", runtime
    finally:
        async def stop() -> None:
            await holder["runner"].cleanup()
            await runtime.engine.dispose()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
