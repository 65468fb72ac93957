"""An in-memory channel adapter that records what it is asked to send (for tests and drills)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone

from bot.channels.base import DeliveryReceipt, DeliveryError
from bot.domain.messages import ChannelKind, OutboundNotice


class RecordingChannel:
    """Keeps every delivered notice; failures can be scripted with ``fail_next``."""

    def __init__(self, kind: ChannelKind,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.kind = kind
        self.sent: list[OutboundNotice] = []
        self.attempts = 0
        self._failures: deque[DeliveryError] = deque()
        self._clock = clock
        self._arrived = asyncio.Event()

    def fail_next(self, *errors: DeliveryError) -> None:
        """The next sends raise these errors, in order."""
        self._failures.extend(errors)

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        """Record the notice, or raise a scripted failure."""
        self.attempts += 1
        if self._failures:
            raise self._failures.popleft()
        self.sent.append(notice)
        self._arrived.set()
        return DeliveryReceipt(self._clock(), f"rec-{len(self.sent)}")

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[OutboundNotice]:
        """Wait until at least ``count`` notices arrived (for integration tests)."""
        async with asyncio.timeout(timeout):
            while len(self.sent) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.sent
