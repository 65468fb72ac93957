"""Run one receiver pass in a child process and SIGKILL it at a chosen point (kill tests)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from bot.channels.email_service import build_email_intake, imap_config
from bot.channels.imap_receiver import ImapReceiver
from bot.main import build_runtime
from config.settings import load_settings


async def main(environ: dict[str, str], kill_at: str) -> None:
    settings = load_settings(Path("/nonexistent/desk.toml"), environ)
    runtime = build_runtime(settings)

    async def checkpoint(point: str, uid: int) -> None:
        if point == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush: a real crash

    receiver = ImapReceiver(imap_config(settings.email), build_email_intake(runtime),
                            checkpoint=checkpoint)
    await receiver.run_once()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2]))
