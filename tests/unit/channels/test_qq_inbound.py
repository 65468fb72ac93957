"""event_to_inbound over recorded OneBot payloads: keys, text, threading, attachments."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.channels.qq import event_to_inbound, plain_text, strip_keyword
from bot.domain.messages import ChannelKind, ReplyAddress

from .qq_events import adapter_event, load_payload


async def test_at_message_becomes_inbound_with_scene_keyed_external_id() -> None:
    event = await adapter_event(load_payload("group_message__at_text"))
    assert event.to_me
    msg = event_to_inbound(event)
    assert msg.channel is ChannelKind.QQ
    assert msg.external_id == "10000:group:555000:101"
    assert msg.reply_to == ReplyAddress(ChannelKind.QQ, "group:555000", thread="101",
                                        mention="20002")
    assert msg.sender.qq == "20002" and msg.sender.name == "某校网管"
    # CQ-looking user text stays literal text; the @bot is gone.
    assert msg.text == "官网首页 502 了 [CQ:at,qq=all] & 急"
    assert msg.received_at == datetime.fromtimestamp(1795572000, timezone.utc)
    assert msg.thread_keys == () and msg.incident_number is None
    assert msg.raw is not None and b'"message_id":101' in msg.raw


async def test_reply_to_bot_ack_threads_by_quoted_id_and_number_and_keeps_image() -> None:
    event = await adapter_event(load_payload("group_message__reply_image"),
                                get_msg=load_payload("get_msg__bot_ack"))
    assert event.to_me and event.reply is not None
    msg = event_to_inbound(event)
    assert msg.external_id == "10000:group:555000:-2147482813"
    assert msg.thread_keys == ("10000:group:555000:7001",)
    assert msg.incident_number == "2026-0001"  # read from the quoted bot message
    assert msg.text == "截图在这里"
    [image] = msg.attachments
    assert image.filename == "3F2A9C.png" and image.content_type == "image/png"
    assert image.size == 20480
    assert image.storage_ref and image.storage_ref.startswith("https://multimedia.nt.qq.com.cn/")


async def test_reply_segment_kept_as_thread_key_when_get_msg_fails() -> None:
    event = await adapter_event(load_payload("group_message__reply_image"), get_msg=None)
    assert event.reply is None
    msg = event_to_inbound(event)
    assert msg.thread_keys == ("10000:group:555000:7001",)
    assert msg.incident_number is None


async def test_image_only_message_gets_placeholder_text() -> None:
    payload = load_payload("group_message__reply_image", message=[
        {"type": "at", "data": {"qq": "10000"}},
        {"type": "image", "data": {"file": "a.jpg", "url": "https://x/a.jpg"}}])
    msg = event_to_inbound(await adapter_event(payload))
    assert msg.text == "[图片]" and len(msg.attachments) == 1


async def test_keyword_is_stripped_and_named_number_found() -> None:
    event = await adapter_event(load_payload("group_message__keyword"))
    assert not event.to_me
    msg = event_to_inbound(event, keywords=["报修"])
    assert msg.text == "信息学院网站新闻栏目无法发布"
    payload = load_payload("group_message__keyword", message=[
        {"type": "text", "data": {"text": "关于 2026-12 号工单 2026-0042 的补充"}}])
    assert event_to_inbound(await adapter_event(payload)).incident_number == "2026-0042"


async def test_private_message_scene() -> None:
    event = await adapter_event(load_payload("private_message__friend"))
    msg = event_to_inbound(event)
    assert event.to_me
    assert msg.external_id == "10000:private:30003:3001"
    assert msg.reply_to.target == "private:30003"


def test_strip_keyword_and_plain_text_helpers() -> None:
    assert strip_keyword("  报修：首页打不开", ["报修"]) == ("首页打不开", True)
    assert strip_keyword("我想报修", ["报修"]) == ("我想报修", False)
    from nonebot.adapters.onebot.v11 import Message, MessageSegment
    message = Message([MessageSegment.at("all"), MessageSegment.text("看"), MessageSegment.face(1)])
    assert plain_text(message) == "@全体成员 看[表情]"
