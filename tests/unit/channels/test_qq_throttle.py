"""QqThrottle with a fake monotonic clock: gaps per account and group, burst caps, give-up."""

from __future__ import annotations

import pytest

from bot.channels.qq_throttle import Pace, QqThrottle, ThrottleBusyError


class FakeTime:
    """A monotonic clock whose sleep just moves it forward, recording each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def make(fake: FakeTime, *, account: Pace = Pace(1.2, 20, 60), group: Pace = Pace(1.5, 3, 60),
         max_wait: float = 120) -> QqThrottle:
    return QqThrottle(account, group, max_wait=max_wait, monotonic=fake, sleep=fake.sleep)


async def test_same_group_waits_group_gap_other_group_waits_account_gap() -> None:
    fake = FakeTime()
    throttle = make(fake)
    assert await throttle.acquire("10000", "group:1") == 0
    assert await throttle.acquire("10000", "group:1") == pytest.approx(1.5)
    assert await throttle.acquire("10000", "group:2") == pytest.approx(1.2)
    assert await throttle.acquire("10000", "private:5") == pytest.approx(1.2)
    # Another account is not held up by the first one.
    assert await throttle.acquire("20000", "group:1") == 0


async def test_no_two_sends_of_an_account_closer_than_its_interval() -> None:
    fake = FakeTime()
    throttle = make(fake)
    times = []
    for i in range(10):
        await throttle.acquire("10000", f"group:{i % 4}")
        times.append(fake.now)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 1.2 - 1e-9


async def test_group_burst_cap_holds_the_fourth_send_until_the_window_passes() -> None:
    fake = FakeTime()
    throttle = make(fake, group=Pace(1.5, 3, 60))
    start = fake.now
    for _ in range(3):
        await throttle.acquire("10000", "group:1")
    await throttle.acquire("10000", "group:1")
    assert fake.now - start == pytest.approx(60)


async def test_wait_longer_than_max_raises_busy_with_retry_after() -> None:
    fake = FakeTime()
    throttle = make(fake, group=Pace(1.5, 2, 60), max_wait=10)
    await throttle.acquire("10000", "group:1")
    await throttle.acquire("10000", "group:1")
    with pytest.raises(ThrottleBusyError) as info:
        await throttle.acquire("10000", "group:1")
    assert 50 < info.value.retry_after.total_seconds() <= 60
