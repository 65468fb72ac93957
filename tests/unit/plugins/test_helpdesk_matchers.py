"""The helpdesk matchers under nonebug: where the bot listens, when it speaks, what it does."""

from __future__ import annotations

from typing import Any

import nonebot
import pytest
from nonebot.adapters.onebot.v11 import Adapter, Bot, Message, MessageSegment
from nonebug import App
from sqlalchemy import func, select

from bot.domain.incident import Status
from bot.domain.staff import Role, Staff
from bot.runtime import Runtime
from storage.models import IncidentRow, InboundReceiptRow, MessageRow, OutboxRow
from storage.unit_of_work import UnitOfWork

from ..channels.qq_events import adapter_event, load_payload
from .conftest import ANSWER_GROUP, SELF_ID, FakeAnswer, FakeKnowledge

pytestmark = pytest.mark.usefixtures("desk")


def group_payload(text: str, message_id: int, *, at: bool = True, user_id: int = 20002,
                  group_id: int = 555000, extra: list[dict[str, Any]] | None = None
                  ) -> dict[str, Any]:
    segments = [{"type": "at", "data": {"qq": SELF_ID}}] if at else []
    segments += [{"type": "text", "data": {"text": text}}] + (extra or [])
    return load_payload("group_message__at_text", message_id=message_id, user_id=user_id,
                        group_id=group_id, message=segments,
                        raw_message=("[CQ:at,qq=10000]" if at else "") + text)


def make_bot(ctx: Any) -> Bot:
    return ctx.create_bot(base=Bot, adapter=nonebot.get_adapter(Adapter), self_id=SELF_ID)


def reply(text: str, message_id: int, user_id: int = 20002, *, group: int | None = 555000
          ) -> tuple[str, dict[str, Any]]:
    segments = [MessageSegment.reply(message_id)]
    if group is not None:
        segments += [MessageSegment.at(str(user_id)), MessageSegment.text(" ")]
    segments.append(MessageSegment.text(text))
    if group is None:
        return "send_private_msg", {"user_id": user_id, "message": Message(segments)}
    return "send_group_msg", {"group_id": group, "message": Message(segments)}


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def add_staff(runtime: Runtime, qq: str, role: Role = Role.ENGINEER,
                    username: str = "li") -> None:
    async with UnitOfWork(runtime.session_factory) as uow:
        await uow.staff.add(Staff(username, "工程师小李", role, qq=qq), now=runtime.clock())
        await uow.commit()


async def test_at_message_opens_incident_once_and_ack_goes_out_through_outbox(
        app: App, desk: Runtime) -> None:
    event = await adapter_event(group_payload(" 官网首页 502 了 [CQ:at,qq=all]", 101))
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, event)
        ctx.receive_event(bot, event)  # redelivered: nothing changes, nothing is sent
    assert await count(desk, IncidentRow) == 1 and await count(desk, InboundReceiptRow) == 1
    async with desk.session_factory() as session:
        text = (await session.execute(select(MessageRow.text))).scalar_one()
        outbox = (await session.execute(select(OutboxRow))).scalar_one()
    assert text == "官网首页 502 了 [CQ:at,qq=all]"
    assert (outbox.target, outbox.thread, outbox.mention) == ("group:555000", "101", "20002")
    async with app.test_api() as ctx:
        make_bot(ctx)
        api, data = reply(outbox.text.strip(), 101)
        ctx.should_call_api(api, data, result={"message_id": 7001})
        report = await desk.delivery.deliver_pending()
    assert report.sent == 1
    async with desk.session_factory() as session:
        sent = (await session.execute(select(OutboxRow.external_id))).scalar_one()
    assert sent == "10000:group:555000:7001"
    assert "2026-0001" in data["message"][-1].data["text"]
    assert "响应时限" in data["message"][-1].data["text"]


async def test_unaddressed_chatter_and_unlisted_groups_are_ignored(app: App, desk: Runtime
                                                                   ) -> None:
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(group_payload("今天开会吗", 201, at=False)))
        ctx.receive_event(bot, await adapter_event(group_payload("首页坏了", 202, group_id=999)))
    assert await count(desk, IncidentRow) == 0 and await count(desk, InboundReceiptRow) == 0


async def test_keyword_report_and_follow_up_by_quoting_the_bot_ack(app: App, desk: Runtime
                                                                   ) -> None:
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(load_payload("group_message__keyword")))
    async with app.test_api() as ctx:
        make_bot(ctx)
        async with desk.session_factory() as session:
            ack = (await session.execute(select(OutboxRow))).scalar_one()
        ctx.should_call_api(*reply(ack.text.strip(), 102, 20003), result={"message_id": 7001})
        await desk.delivery.deliver_pending()
    # A reply quoting the ack: the adapter fetched it with get_msg (bot sender, no number
    # needed in the text: the quoted id is the bot's stored outbox message id).
    quoted = load_payload("get_msg__bot_ack", message=[{"type": "text", "data": {"text": "好的"}}])
    payload = load_payload("group_message__reply_image", user_id=20003)
    event = await adapter_event(payload, get_msg=quoted)
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, event)
        ctx.should_call_api(*reply("已将补充信息记录到工单 2026-0001（当前状态：新建）。",
                                   -2147482813, 20003), result={"message_id": 7002})
    assert await count(desk, IncidentRow) == 1
    async with desk.session_factory() as session:
        rows = (await session.execute(select(MessageRow).order_by(MessageRow.id))).scalars().all()
    assert [r.text for r in rows] == ["信息学院网站新闻栏目无法发布", "截图在这里"]
    assert rows[1].attachments[0]["storage_ref"].startswith("https://multimedia.nt.qq.com.cn/")


async def test_confident_kb_answer_quotes_asker_and_uncertain_asks_back(
        app: App, desk: Runtime) -> None:
    desk.knowledge = FakeKnowledge({  # type: ignore[attr-defined]
        "密码": FakeAnswer("answer", "如何重置站群管理员密码", "登录页点“忘记密码”。"),
        "栏目": FakeAnswer("ask_back", candidate_titles=["栏目排序", "栏目权限", "新建栏目", "x"]),
    })
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(group_payload("忘记密码怎么办", 301)))
        ctx.should_call_api(*reply(
            "登录页点“忘记密码”。\n\n（以上为自动回答，依据《如何重置站群管理员密码》）\n"
            "如果仍未解决，请发送“报修 问题描述”登记工单。", 301), result={"message_id": 1})
        ctx.receive_event(bot, await adapter_event(group_payload("栏目怎么弄", 302)))
        ctx.should_call_api(*reply(
            "您想问的是不是：\n1. 栏目排序\n2. 栏目权限\n3. 新建栏目\n"
            "请 @我 把问题说得具体些；如需报修，请发送“报修 问题描述”。", 302),
            result={"message_id": 2})
        # Unaddressed in the answer group: only a confident answer is given.
        ctx.receive_event(bot, await adapter_event(group_payload(
            "密码忘了", 303, at=False, group_id=ANSWER_GROUP)))
        ctx.should_call_api("send_group_msg", {"group_id": ANSWER_GROUP, "message": Message([
            MessageSegment.reply(303), MessageSegment.at("20002"), MessageSegment.text(" "),
            MessageSegment.text("登录页点“忘记密码”。\n\n（以上为自动回答，依据《如何重置站群管理员密码》）\n"
                                "如果仍未解决，请发送“报修 问题描述”登记工单。")])},
            result={"message_id": 3})
        ctx.receive_event(bot, await adapter_event(group_payload(
            "栏目乱了", 304, at=False, group_id=ANSWER_GROUP)))
        # No KB match for an addressed message: an incident is opened.
        ctx.receive_event(bot, await adapter_event(group_payload("服务器挂了", 305)))
    assert await count(desk, IncidentRow) == 1
    assert await count(desk, InboundReceiptRow) == 4  # 301, 302, 303, 305


async def test_staff_command_refused_for_others_and_run_for_staff(app: App, desk: Runtime,
                                                                  caplog: Any) -> None:
    await add_staff(desk, "30003")
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(group_payload("报修 首页打不开", 401)))
        ctx.receive_event(bot, await adapter_event(group_payload("/受理 2026-0001", 402,
                                                                 at=False)))
        ctx.should_call_api(*reply("抱歉，该命令仅限服务台工作人员使用。如需报修，请发送“报修 问题描述”。",
                                   402), result={"message_id": 1})
        private = load_payload("private_message__friend")
        ctx.receive_event(bot, await adapter_event(private))
        ctx.should_call_api(*reply("已受理工单 2026-0001，负责人：li。", 3001, 30003, group=None),
                            result={"message_id": 2})
        ctx.receive_event(bot, await adapter_event(private))  # redelivered: not run twice
    assert "staff command refused command=take qq=20002" in caplog.text
    async with UnitOfWork(desk.session_factory) as uow:
        incident = await uow.incidents.by_number("2026-0001")
    assert incident.status is Status.ACKNOWLEDGED and incident.owner == "li"


async def test_requester_commands_and_errors(app: App, desk: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(group_payload("报修 首页打不开", 501)))
        ctx.receive_event(bot, await adapter_event(group_payload("我的工单", 502)))
        ctx.should_call_api(*reply("您的未关闭工单：\n2026-0001【新建】L4 首页打不开，时限 2026-11-30 10:00",
                                   502), result={"message_id": 1})
        ctx.receive_event(bot, await adapter_event(group_payload("确认解决 2026-0001", 503)))
        ctx.should_call_api(*reply("工单 2026-0001 当前状态不允许此操作（new → closed）。", 503),
                            result={"message_id": 2})
        ctx.receive_event(bot, await adapter_event(group_payload("查询", 504)))
        ctx.should_call_api(*reply("请写明工单号。用法：查询 <工单号>（工单号如 2026-0001）", 504),
                            result={"message_id": 3})
        ctx.receive_event(bot, await adapter_event(group_payload("查询 2026-0001", 505,
                                                                 user_id=29999)))
        ctx.should_call_api(*reply("只能查询您自己报修的工单。", 505, 29999),
                            result={"message_id": 4})
    assert await count(desk, IncidentRow) == 1


async def test_private_chat_from_unknown_user_is_ignored(app: App, desk: Runtime) -> None:
    payload = load_payload("private_message__friend", user_id=40404,
                           message=[{"type": "text", "data": {"text": "你好，首页坏了"}}])
    async with app.test_matcher() as ctx:
        ctx.receive_event(make_bot(ctx), await adapter_event(payload))
    assert await count(desk, InboundReceiptRow) == 0


async def test_staff_lists_and_waking_notices_after_reconnect(app: App, desk: Runtime,
                                                              clock: Any) -> None:
    from datetime import timedelta

    from bot.channels.qq_service import wake_waiting_notices

    await add_staff(desk, "30003")
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(group_payload("报修 首页打不开", 601)))
    await desk.actions.take("2026-0001", Staff("li", "工程师小李", Role.ENGINEER, qq="30003"))
    clock.advance(timedelta(days=10))
    todo = load_payload("private_message__friend", message_id=3002,
                        message=[{"type": "text", "data": {"text": "我的待办"}}])
    overdue = load_payload("private_message__friend", message_id=3003,
                           message=[{"type": "text", "data": {"text": "超时工单"}}])
    line = "2026-0001【已受理】L4 首页打不开，时限 2026-11-30 10:00"
    async with app.test_matcher() as ctx:
        bot = make_bot(ctx)
        ctx.receive_event(bot, await adapter_event(todo))
        ctx.should_call_api(*reply(f"您负责的未关闭工单：\n{line}", 3002, 30003, group=None),
                            result={"message_id": 1})
        ctx.receive_event(bot, await adapter_event(overdue))
        ctx.should_call_api(*reply(f"已超时的工单：\n{line}", 3003, 30003, group=None),
                            result={"message_id": 2})
    # Notices that failed while disconnected are made due again on reconnect.
    async with desk.session_factory() as session:
        rows = (await session.execute(select(OutboxRow))).scalars().all()
        for row in rows:
            row.next_attempt_at = clock() + timedelta(hours=1)
        await session.commit()
    assert await wake_waiting_notices(desk) == len(rows) >= 1
