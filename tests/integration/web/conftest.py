"""A running web app on a real runtime (build_runtime) per backend, plus helpers to drive it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.domain.staff import Role, Staff
from bot.main import build_runtime
from bot.runtime import Runtime
from bot.services.auth import add_staff
from bot.web.app import create_app
from config.settings import Settings

API_TOKEN = "test-token-0123456789abcdef"
PASSWORD = "correct horse battery"
SITES = ["学校主页 www.example.edu.cn", "教务处 jwc.example.edu.cn"]


def web_settings(data_dir: Path, database_url: str, *, email_on: bool = True,
                 **web: Any) -> Settings:
    """Settings for a test desk: the given database, quick forms, one API token, and (unless
    ``email_on`` is false) a configured mailbox so that requesters' addresses are used."""
    return Settings.model_validate({
        "database": {"url": database_url},
        "email": {"imap_host": "127.0.0.1", "user": "desk@example.edu.cn"} if email_on else {},
        "desk": {"data_dir": str(data_dir)},
        "web": {"sites": SITES, "secret_key": "k" * 32, "min_fill_time": "0s",
                "api_tokens": [{"token": API_TOKEN, "name": "oa"}],
                "form_rate_limit": 1000, "login_rate_limit": 1000, **web},
    })


@dataclass
class Desk:
    """The runtime, and a client on its web app."""

    runtime: Runtime
    client: TestClient

    async def form_fields(self, path: str = "/baoxiu") -> dict[str, str]:
        """The hidden fields of a freshly rendered form."""
        html = await (await self.client.get(path)).text()
        return hidden_fields(html)

    async def login(self, username: str = "desk", password: str = PASSWORD) -> Any:
        """Log in through the form."""
        fields = await self.form_fields("/login")
        return await self.client.post("/login", data={**fields, "username": username,
                                                      "password": password},
                                      allow_redirects=False)


def hidden_fields(html: str) -> dict[str, str]:
    """name → value of every hidden input in ``html``."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def repair_data(**overrides: str) -> dict[str, str]:
    """A valid repair form."""
    data = {"name": "张老师", "unit": "教务处", "site": SITES[1], "phone": "0571-88881234",
            "email": "zhang@example.edu.cn", "qq": "", "category": "fault",
            "urgency": "high", "description": "教务处网站首页打不开，提示 502 错误。"}
    data.update(overrides)
    return data


STAFF = (Staff("desk", "服务台小王", Role.DESK), Staff("li", "李工", Role.ENGINEER), Staff("boss", "经理", Role.MANAGER))


@asynccontextmanager
async def running_desk(settings: Settings, clock: Any, staff: tuple[Staff, ...] = STAFF) -> AsyncIterator[Desk]:
    """A runtime built from ``settings`` with ``staff`` accounts, its web app served to a live test client."""
    runtime = build_runtime(settings, clock=clock)
    for member in staff:
        await add_staff(runtime.session_factory, member, password=PASSWORD, now=clock())
    client = TestClient(TestServer(create_app(runtime, lambda: {"running": True})))
    await client.start_server()
    try:
        yield Desk(runtime, client)
    finally:
        await client.close()
        await runtime.engine.dispose()


@pytest.fixture
async def desk(database_url: str, engine: Any, tmp_path: Path, clock: Any
               ) -> AsyncIterator[Desk]:
    """A desk on each backend with three staff accounts and a live test client."""
    async with running_desk(web_settings(tmp_path / "data", database_url), clock) as desk:
        yield desk
