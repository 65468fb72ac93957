"""Send pacing for QQ: a minimum gap and a burst cap per bot account and per group.

Sending fast from one account gets it risk-controlled (风控): messages silently dropped,
``retcode`` 100/1200, or the account frozen (notes/onebot.md §3.7). Every QQ send waits
here first. Time and sleeping are injected so tests run without real sleeps.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
import time

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class ThrottleBusyError(Exception):
    """Waiting for a slot would take longer than allowed; try again after ``retry_after``."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"send slot not available for {retry_after.total_seconds():.1f}s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Pace:
    """One limit: at least ``interval`` between sends and at most ``burst`` per ``window``."""

    interval: float
    burst: int
    window: float


@dataclass
class _Lane:
    """The recent send times of one key (an account or a group)."""

    pace: Pace
    sent: deque[float] = field(default_factory=deque)

    def wait_needed(self, now: float) -> float:
        while self.sent and self.sent[0] <= now - self.pace.window:
            self.sent.popleft()
        wait = 0.0
        if self.sent:
            wait = self.sent[-1] + self.pace.interval - now
        if len(self.sent) >= self.pace.burst:
            wait = max(wait, self.sent[-self.pace.burst] + self.pace.window - now)
        return max(wait, 0.0)


class QqThrottle:
    """Hands out send slots; ``acquire`` returns once sending now keeps every limit."""

    def __init__(self, account: Pace, group: Pace, *, max_wait: float = 30.0,
                 monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._account, self._group = account, group
        self._lanes: dict[str, _Lane] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._max_wait = max_wait
        self._monotonic, self._sleep = monotonic, sleep

    async def acquire(self, self_id: str, scene: str) -> float:
        """Wait for a slot for ``scene`` on account ``self_id``; return how long it waited.

        Raises ThrottleBusyError instead of waiting longer than ``max_wait`` (a burst cap
        reached): the outbox retries later and the delivery pass is not blocked.
        """
        lanes = [self._lane(f"account:{self_id}", self._account)]
        if scene.startswith("group:"):
            lanes.append(self._lane(f"{self_id}:{scene}", self._group))
        # One lock per account: sends of one account are serialised (its gap is global),
        # other accounts are not held up.
        async with self._locks.setdefault(self_id, asyncio.Lock()):
            waited = 0.0
            while True:
                now = self._monotonic()
                wait = max(lane.wait_needed(now) for lane in lanes)
                if wait <= 0:
                    break
                if waited + wait > self._max_wait:
                    raise ThrottleBusyError(timedelta(seconds=wait))
                await self._sleep(wait)
                waited += wait
            for lane in lanes:
                lane.sent.append(now)
            return waited

    def _lane(self, key: str, pace: Pace) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(pace)
        return lane
