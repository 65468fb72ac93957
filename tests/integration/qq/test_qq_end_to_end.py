"""End to end over a real WebSocket: ``python -m bot`` (NoneBot forward WS client, ~aiohttp)
against the fake OneBot v11 endpoint, with the desk's SQLite ledger checked directly."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .fake_onebot import FakeOneBot, message_text

REPO = Path(__file__).resolve().parents[3]
GROUP = 555000
pytestmark = pytest.mark.integration
NUMBER = re.compile(r"工单号：(\d{4}-\d{4})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Desk:
    """The running desk process, its endpoint and its database file."""

    fake: FakeOneBot
    proc: subprocess.Popen[bytes]
    db: Path
    log: Path

    def scalar(self, sql: str, *args: Any) -> Any:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, args).fetchone()[0]


def desk_env(fake: FakeOneBot, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DESK_", "ONEBOT_")) and k not in ("DRIVER", "ENVIRONMENT")}
    env.update({
        "DESK_WEB__PORT": str(free_port()), "DESK_DESK__DATA_DIR": str(data_dir),
        "ONEBOT_WS_URLS": f'["{fake.url}"]', "ONEBOT_ACCESS_TOKEN": fake.token,
        "DESK_QQ__GROUPS": f"[{GROUP}]", "DESK_QQ__RISK_BACKOFF": "2s",
        "DESK_SCHEDULER__DELIVERY_INTERVAL": "1s", "DESK_DELIVERY__BASE_BACKOFF": "1s",
        "DESK_DELIVERY__MAX_BACKOFF": "2s", "API_TIMEOUT": "5", "LOG_LEVEL": "INFO",
    })
    return env


@pytest.fixture(scope="module")
async def desk(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    """One desk process connected to one fake endpoint for the whole module."""
    tmp = tmp_path_factory.mktemp("qq_e2e")
    fake = FakeOneBot(heartbeat=5.0)
    await fake.start()
    log = tmp / "desk.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=REPO,
                                env=desk_env(fake, tmp / "data"), stdout=out,
                                stderr=subprocess.STDOUT)
    desk = Desk(fake, proc, tmp / "data" / "sitedesk.db", log)
    try:
        await fake.wait_connected(timeout=40)
        yield desk
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        await fake.stop()
        if os.environ.get("QQ_E2E_LOG"):
            print(log.read_text(encoding="utf-8", errors="replace"))


def report(fake: FakeOneBot, text: str, message_id: int, **extra: Any) -> dict[str, Any]:
    return fake.group_event([{"type": "text", "data": {"text": text}}], message_id=message_id,
                            **extra)


async def test_report_is_committed_and_acknowledged_with_its_number(desk: Desk) -> None:
    fake = desk.fake
    mark = len(fake.actions)
    event = fake.group_event([
        {"type": "text", "data": {"text": "报修 官网首页 502 了 [CQ:at,qq=all] & 急"}},
        {"type": "image", "data": {"file": "3F2A9C.png", "url": "https://multimedia.nt.qq.com.cn/x?a=1&b=2",
                                   "file_size": "20480"}}], message_id=101)
    assert "&#91;CQ:at&#44;qq=all&#93; &amp; 急" not in event["raw_message"]  # text: no ',' escape
    assert "&#91;CQ:at,qq=all&#93; &amp; 急" in event["raw_message"]
    await fake.push(event)
    ack = await fake.wait_action("send_group_msg", after=mark, contains="工单号")
    number = NUMBER.search(message_text(ack.params))
    assert number is not None
    assert ack.params["group_id"] == GROUP
    assert ack.params["message"][:2] == [{"type": "reply", "data": {"id": "101"}},
                                         {"type": "at", "data": {"qq": "20002"}}]
    assert desk.scalar("select count(*) from incidents where number = ?", number.group(1)) == 1
    text = desk.scalar("select text from messages where external_id = ?",
                       f"{fake.self_id}:group:{GROUP}:101")
    assert text == "官网首页 502 了 [CQ:at,qq=all] & 急"
    assert "multimedia.nt.qq.com.cn" in desk.scalar(
        "select attachments from messages where external_id = ?",
        f"{fake.self_id}:group:{GROUP}:101")
    # The bot's own message id is stored, so a reply quoting it threads to the incident.
    expected = f"{fake.self_id}:group:{GROUP}:{_sent_id(fake, ack)}"
    await eventually(lambda: desk.scalar(
        "select external_id from outbox where kind = 'acknowledgement'") == expected)


async def eventually(check: Any, timeout: float = 10.0) -> None:
    """Poll ``check()`` until true (the desk commits just after the endpoint answers)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.1)


def _sent_id(fake: FakeOneBot, ack: Any) -> int:
    return next(mid for mid, m in fake.messages.items() if m["message"] is ack.params["message"])


async def test_redelivered_event_changes_nothing(desk: Desk) -> None:
    fake = desk.fake
    before = desk.scalar("select count(*) from incidents")
    event = report(fake, "报修 图书馆网站证书过期", 201)
    await fake.push(event)
    await fake.wait_action("send_group_msg", contains="图书馆网站证书过期")
    mark = len(fake.actions)
    await fake.push(event)  # the implementation redelivers after a reconnect
    await asyncio.sleep(2.5)
    assert desk.scalar("select count(*) from incidents") == before + 1
    assert [a.action for a in fake.actions[mark:]] == []


async def test_reply_quoting_the_ack_adds_to_that_incident(desk: Desk) -> None:
    fake = desk.fake
    await fake.push(report(fake, "报修 招生网栏目图片不显示", 301, user_id=20005))
    ack = await fake.wait_action("send_group_msg", contains="招生网栏目图片不显示")
    number = NUMBER.search(message_text(ack.params))
    assert number is not None
    ack_id = _sent_id(fake, ack)
    mark = len(fake.actions)
    await fake.push(fake.group_event([
        {"type": "reply", "data": {"id": str(ack_id)}},
        {"type": "at", "data": {"qq": str(fake.self_id)}},
        {"type": "text", "data": {"text": " 补充：只有手机端不显示"}}], message_id=302,
        user_id=20005))
    got = await fake.wait_action("get_msg", after=mark)
    assert got.params == {"message_id": ack_id}
    answer = await fake.wait_action("send_group_msg", after=mark, contains="补充信息")
    assert number.group(1) in message_text(answer.params)
    incident_id = desk.scalar("select id from incidents where number = ?", number.group(1))
    assert desk.scalar("select count(*) from messages where incident_id = ? and direction = 'in'",
                       incident_id) == 2


async def test_retcode_1200_is_retried_later(desk: Desk) -> None:
    fake = desk.fake
    fake.fail_next("send_group_msg", 1200)
    mark = len(fake.actions)
    await fake.push(report(fake, "报修 财务处网站后台登录报错", 401))
    first = await fake.wait_action("send_group_msg", after=mark, contains="财务处网站后台登录报错")
    index = fake.actions.index(first)
    second = await fake.wait_action("send_group_msg", after=index + 1,
                                    contains="财务处网站后台登录报错", timeout=20)
    assert second.at - first.at >= 1.9  # DESK_QQ__RISK_BACKOFF=2s
    await eventually(lambda: desk.scalar(
        "select state from outbox where text like '%财务处网站后台登录报错%'") == "sent")


async def test_notices_wait_while_disconnected_and_go_out_after_reconnect(desk: Desk) -> None:
    fake = desk.fake
    await fake.push(report(fake, "报修 研究生院网站打不开", 501))
    await fake.wait_action("send_group_msg", contains="研究生院网站打不开")
    connections = fake.connections
    fake.accepting = False
    await fake.drop()
    await asyncio.sleep(0.5)
    incident_id = desk.scalar("select id from incidents order by id desc limit 1")
    _queue_progress_notice(desk, incident_id, "工程师已到场处理 [CQ:at,qq=all]")
    await asyncio.sleep(3.5)  # delivery ticks every second and finds no bot
    assert desk.scalar("select state from outbox where idempotency_key = 'e2e-progress'") == "pending"
    assert desk.scalar("select attempts from outbox where idempotency_key = 'e2e-progress'") >= 1
    mark = len(fake.actions)
    fake.accepting = True
    await fake.wait_until(lambda: fake.connections > connections, timeout=15)
    notice = await fake.wait_action("send_group_msg", after=mark, contains="工程师已到场处理")
    assert {"type": "text", "data": {"text": "工程师已到场处理 [CQ:at,qq=all]"}} in (
        notice.params["message"])
    assert [s["type"] for s in notice.params["message"]].count("at") == 1


def _queue_progress_notice(desk: Desk, incident_id: int, text: str) -> None:
    """What a staff action on the web console does while QQ is down: an outbox row."""
    with sqlite3.connect(desk.db) as conn:
        conn.execute(
            "insert into outbox (kind, channel, target, thread, mention, text, extra, "
            "incident_id, idempotency_key, state, attempts, next_attempt_at, created_at) "
            "values ('progress', 'qq', ?, NULL, '20002', ?, '{}', ?, 'e2e-progress', "
            "'pending', 0, datetime('now'), datetime('now'))",
            (f"group:{GROUP}", text, incident_id))
