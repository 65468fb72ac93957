"""A desk worker process for the multi-process tests: sweep and deliver into a file sink.

Usage: python desk_worker.py SINK_FILE READY_FILE STOP_FILE [--kill-point send|sweep]
Configuration comes from DESK_* variables like the real service. With a kill point the
worker blocks for ever at that point (after a send, or inside a sweep transaction), so the
test can kill -9 it there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bot.channels.base import DeliveryReceipt  # noqa: E402
from bot.domain.incident import Incident  # noqa: E402
from bot.domain.messages import ChannelKind, OutboundNotice  # noqa: E402
from bot.main import build_runtime  # noqa: E402
from config.settings import load_settings  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402


class FileSink:
    """Appends each delivered notice to a shared file (fsync'd), like a channel's far end."""

    def __init__(self, kind: ChannelKind, path: Path, block_after_send: bool) -> None:
        self.kind = kind
        self.deduplicates = kind is ChannelKind.EMAIL  # a stable Message-ID
        self._path, self._block = path, block_after_send

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        line = json.dumps({"key": notice.idempotency_key, "kind": notice.kind.value,
                           "channel": self.kind.value, "pid": os.getpid(),
                           "incident": notice.incident_number}, ensure_ascii=False)
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if self._block:
            await asyncio.sleep(3600)  # "crash" between sending and marking as sent
        return DeliveryReceipt(datetime.now(timezone.utc))


async def main(args: argparse.Namespace) -> None:
    runtime = build_runtime(load_settings())
    for kind in (ChannelKind.QQ, ChannelKind.EMAIL):
        runtime.registry.register(FileSink(kind, Path(args.sink), args.kill_point == "send"))
    if args.kill_point == "sweep":
        original = runtime.sweep._feedback

        async def stuck(uow: UnitOfWork, incident: Incident, now: datetime) -> list[str]:
            done = await original(uow, incident, now)
            Path(args.ready + ".in-sweep").write_text("x")
            await asyncio.sleep(3600)  # the transaction is open and uncommitted
            return done

        runtime.sweep._feedback = stuck  # type: ignore[method-assign]
    Path(args.ready).write_text(str(os.getpid()))
    try:
        while not Path(args.stop).exists():
            await runtime.sweep.sweep()
            await runtime.delivery.deliver_pending()
            await asyncio.sleep(0.1)
    finally:
        await runtime.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("sink")
    parser.add_argument("ready")
    parser.add_argument("stop")
    parser.add_argument("--kill-point", choices=["send", "sweep"])
    asyncio.run(main(parser.parse_args()))
