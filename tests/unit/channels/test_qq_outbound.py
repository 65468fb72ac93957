"""QqChannel against a fake OneBot bot: segments, splitting, receipts, error translation."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from nonebot.adapters.onebot.v11 import Message, MessageSegment
from nonebot.adapters.onebot.v11.exception import ActionFailed, NetworkError

from bot.channels.base import (
    ChannelAdapter, PermanentDeliveryError, TransientDeliveryError,
)
from bot.channels.qq import QqChannel, QqSendOptions, build_messages, split_text
from bot.channels.qq_throttle import Pace, QqThrottle
from bot.domain.messages import ChannelKind, NoticeKind, OutboundNotice, ReplyAddress

from .test_qq_throttle import FakeTime

GROUP = ReplyAddress(ChannelKind.QQ, "group:555000", thread="101", mention="20002")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


class FakeBot:
    """Records send actions; fails with scripted exceptions first."""

    self_id = "10000"

    def __init__(self, *failures: Exception) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures = list(failures)

    async def _send(self, action: str, **params: Any) -> dict[str, Any]:
        self.calls.append((action, params))
        if self.failures:
            raise self.failures.pop(0)
        return {"message_id": 9000 + len(self.calls)}

    async def send_group_msg(self, **params: Any) -> dict[str, Any]:
        return await self._send("send_group_msg", **params)

    async def send_private_msg(self, **params: Any) -> dict[str, Any]:
        return await self._send("send_private_msg", **params)


def channel(bot: Any, fake: FakeTime | None = None, **options: Any) -> QqChannel:
    fake = fake or FakeTime()
    throttle = QqThrottle(Pace(1.2, 20, 60), Pace(1.5, 8, 60), monotonic=fake, sleep=fake.sleep)
    return QqChannel(throttle, QqSendOptions(**options), bot_lookup=lambda: bot,
                     clock=lambda: NOW)


def notice(text: str, address: ReplyAddress = GROUP,
           kind: NoticeKind = NoticeKind.PROGRESS) -> OutboundNotice:
    return OutboundNotice(kind=kind, address=address, text=text, idempotency_key="k",
                          incident_number="2026-0001")


async def test_group_notice_quotes_ats_and_sends_user_text_as_literal_text() -> None:
    bot = FakeBot()
    qq = channel(bot)
    assert isinstance(qq, ChannelAdapter)
    receipt = await qq.send(notice("进展：[CQ:at,qq=all] 已修复 &#91;"))
    [(action, params)] = bot.calls
    assert action == "send_group_msg" and params["group_id"] == 555000
    message: Message = params["message"]
    assert message == Message([MessageSegment.reply(101), MessageSegment.at("20002"),
                               MessageSegment.text(" "),
                               MessageSegment.text("进展：[CQ:at,qq=all] 已修复 &#91;")])
    # On the wire the text stays one text segment: no at-all segment is ever produced.
    wire = [seg.type for seg in message]
    assert wire.count("at") == 1 and message[1].data == {"qq": "20002"}
    assert receipt.external_id == "10000:group:555000:9001"
    assert receipt.delivered_at == NOW


async def test_long_text_is_split_and_paced() -> None:
    bot, fake = FakeBot(), FakeTime()
    qq = channel(bot, fake, max_message_length=50)
    text = "\n".join(f"第{i}行：" + "很长的说明" * 3 for i in range(8))
    await qq.send(notice(text))
    assert len(bot.calls) > 1
    sent = "".join(str(c[1]["message"][-1].data["text"]) for c in bot.calls)
    assert sent.replace("\n", "") == text.replace("\n", "")
    assert all(len(c[1]["message"][-1].data["text"]) <= 50 for c in bot.calls)
    assert [seg.type for seg in bot.calls[1][1]["message"]] == ["text"]  # only the first quotes
    assert fake.sleeps and min(fake.sleeps) >= 1.5


def test_split_text_prefers_line_breaks_and_hard_cuts_long_lines() -> None:
    assert split_text("a\nb", 10) == ["a\nb"]
    assert split_text("aaaa\nbbbb", 6) == ["aaaa", "bbbb"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_private_address_has_no_at_and_non_numeric_thread_is_not_quoted() -> None:
    [message] = build_messages(ReplyAddress(ChannelKind.QQ, "private:30003", "msg:x", "30003"),
                               "你好", limit=100)
    assert message == Message([MessageSegment.text("你好")])


@pytest.mark.parametrize("error, expected", [
    (ActionFailed(status="failed", retcode=1200, message="Timeout: NTEvent sendMsg"),
     TransientDeliveryError),
    (ActionFailed(status="failed", retcode=1404, message="不支持的 API"), PermanentDeliveryError),
    (ActionFailed(status="failed", retcode=100, wording="群不存在"), PermanentDeliveryError),
    (NetworkError("WebSocket call api send_group_msg timeout"), TransientDeliveryError),
])
async def test_failures_are_translated(error: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected):
        await channel(FakeBot(error)).send(notice("x"))


async def test_no_bot_connected_is_transient() -> None:
    def no_bot() -> Any:
        raise ValueError("There are no bots to get.")
    qq = QqChannel(QqThrottle(Pace(1.2, 5, 60), Pace(1.5, 5, 60)), bot_lookup=no_bot)
    with pytest.raises(TransientDeliveryError):
        await qq.send(notice("x"))


async def test_burst_cap_becomes_transient_with_retry_after() -> None:
    fake = FakeTime()
    throttle = QqThrottle(Pace(1.2, 20, 60), Pace(1.5, 1, 60), max_wait=5, monotonic=fake,
                          sleep=fake.sleep)
    qq = QqChannel(throttle, bot_lookup=lambda: FakeBot())
    await qq.send(notice("one"))
    with pytest.raises(TransientDeliveryError) as info:
        await qq.send(notice("two"))
    assert info.value.retry_after is not None and info.value.retry_after.total_seconds() > 5


async def test_escalation_falls_back_to_staff_group_and_private_notices_to_group() -> None:
    bot = FakeBot(ActionFailed(status="failed", retcode=1200 + 1, wording="发送失败，请添加对方为好友"))
    qq = channel(bot, staff_group=777)
    private = ReplyAddress(ChannelKind.QQ, "private:30003")
    await qq.send(notice("升级：2026-0001 超时", private, NoticeKind.ESCALATION))
    assert [c[0] for c in bot.calls] == ["send_private_msg", "send_group_msg"]
    assert bot.calls[1][1]["group_id"] == 777
    assert bot.calls[1][1]["message"][0] == MessageSegment.at("30003")

    bot = FakeBot(ActionFailed(status="failed", retcode=1201, wording="不能发送临时消息"))
    await channel(bot, private_notices=True).send(notice("进展"))
    assert [c[0] for c in bot.calls] == ["send_private_msg", "send_group_msg"]
    assert bot.calls[0][1]["user_id"] == 20002
