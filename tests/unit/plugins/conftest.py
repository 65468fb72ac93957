"""nonebug set-up for the helpdesk plugin, and a desk runtime on each test database.

nonebug's session fixtures initialise NoneBot once per test session (its pytest plugin is
always active); this directory overrides ``after_nonebot_init`` to register the OneBot v11
adapter and load ``plugins/`` exactly as ``bot.main.run`` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nonebot
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.qq_service import build_qq_channel
from bot.main import build_runtime
from bot.runtime import Runtime, set_runtime
from config.qq_settings import QqSettings
from config.settings import DatabaseSettings, Settings

REPO = Path(__file__).resolve().parents[3]
GROUP, ANSWER_GROUP, STAFF_GROUP, SELF_ID = 555000, 556000, 777000, "10000"


@pytest.fixture(scope="session", autouse=True)
async def after_nonebot_init(after_nonebot_init: None) -> None:
    """Register the adapter and load the plugins once per session."""
    from nonebot.adapters.onebot.v11 import Adapter

    driver = nonebot.get_driver()
    if Adapter.get_name() not in nonebot.get_adapters():
        driver.register_adapter(Adapter)
    if nonebot.get_plugin("helpdesk") is None:
        nonebot.load_plugins(str(REPO / "plugins"))


class FakeTime:
    """Monotonic time whose sleep only moves it forward: throttled sends take no real time."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []  # type: ignore[var-annotated]

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeAnswer:
    """What runtime.knowledge.answer returns (the lead's KnowledgeAnswer interface)."""

    decision: str
    title: str | None = None
    answer_text: str = ""
    candidate_titles: list[str] = field(default_factory=list)
    query_id: int | None = 1


class FakeKnowledge:
    """A knowledge service answering from a fixed table; records every question."""

    def __init__(self, answers: dict[str, FakeAnswer]) -> None:
        self.answers, self.asked = answers, []  # type: ignore[var-annotated]

    async def answer(self, text: str, *, channel: Any, contact_id: int | None) -> FakeAnswer:
        self.asked.append((text, str(channel), contact_id))
        for key, answer in self.answers.items():
            if key in text:
                return answer
        return FakeAnswer("no_match")


@pytest.fixture
async def desk(engine: AsyncEngine, database_url: str, clock: Any) -> AsyncIterator[Runtime]:
    """A wired desk on the test database, installed as the process runtime."""
    settings = Settings(database=DatabaseSettings(url=database_url),
                        qq=QqSettings(groups=[GROUP, ANSWER_GROUP], answer_groups=[ANSWER_GROUP],
                                      staff_group=STAFF_GROUP))
    runtime = build_runtime(settings, clock=clock)
    runtime.knowledge = None  # tests that want a knowledge base install a FakeKnowledge
    fake = FakeTime()
    runtime.registry.register(build_qq_channel(settings.qq, monotonic=fake, sleep=fake.sleep))
    set_runtime(runtime)
    yield runtime
    set_runtime(None)
    await runtime.engine.dispose()
