"""The QQ channel: OneBot v11 events to InboundMessages (pure), and the outbound QqChannel.

Inbound: ``event_to_inbound`` reads an event the NoneBot adapter already pre-processed (the
quoted message fetched with ``get_msg`` into ``event.reply``, a leading @bot stripped).
Outbound: ``QqChannel`` sends notices from the outbox through ``nonebot.get_bot()``, paced
by a QqThrottle, split when long, and with every piece of text in a text segment so that
nobody's words are ever parsed as CQ codes (notes/onebot.md §1.3).
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import nonebot
from nonebot.adapters.onebot.v11 import Message, MessageEvent, MessageSegment
from nonebot.adapters.onebot.v11.exception import ActionFailed
from nonebot.exception import AdapterException

from bot.channels.base import DeliveryReceipt, PermanentDeliveryError, TransientDeliveryError
from bot.channels.qq_throttle import QqThrottle, ThrottleBusyError
from bot.domain.incident import find_incident_number
from bot.domain.messages import (
    Attachment, ChannelKind, InboundMessage, NoticeKind, OutboundNotice, ReplyAddress,
    SenderIdentity,
)

logger = logging.getLogger(__name__)

#: NapCat/LLOneBot answer 1200 for an internal send timeout (often risk control): retry later.
TRANSIENT_RETCODES = frozenset({1200})
_IMAGE_PLACEHOLDER = "[图片]"

BotLookup = Callable[[], Any]


# -- inbound -------------------------------------------------------------------------------


def scene_of(event: MessageEvent) -> str:
    """``group:<group_id>`` or ``private:<user_id>``: where the message was said."""
    group_id = getattr(event, "group_id", None)
    return f"group:{group_id}" if group_id is not None else f"private:{event.user_id}"


def external_id_of(self_id: str | int, scene: str, message_id: str | int) -> str:
    """The dedupe and threading key of one QQ message: bot, scene and message id."""
    return f"{self_id}:{scene}:{message_id}"


def plain_text(message: Message, *, self_id: str | None = None) -> str:
    """The words of a message: text segments, @s as ``@<qq>``, media as placeholders."""
    parts: list[str] = []
    for seg in message:
        if seg.type == "text":
            parts.append(str(seg.data.get("text", "")))
        elif seg.type == "at" and str(seg.data.get("qq")) != str(self_id):
            qq = str(seg.data.get("qq", ""))
            parts.append("@全体成员 " if qq == "all" else f"@{qq} ")
        elif seg.type == "face":
            parts.append("[表情]")
    return "".join(parts).strip()


def strip_keyword(text: str, keywords: Sequence[str]) -> tuple[str, bool]:
    """The text without a leading report keyword (报修), and whether it had one."""
    stripped = text.lstrip()
    for keyword in keywords:
        if stripped.startswith(keyword):
            return stripped[len(keyword):].lstrip(" ：:，,\t\n"), True
    return text, False


def quoted_message_id(event: MessageEvent) -> str | None:
    """The id of the message this one replies to (adapter-filled, or the raw segment)."""
    if event.reply is not None:
        return str(event.reply.message_id)
    for seg in event.message:
        if seg.type == "reply" and seg.data.get("id") is not None:
            return str(seg.data["id"])
    return None


def quoted_incident_number(event: MessageEvent) -> str | None:
    """An incident number written in the bot message being quoted, if any."""
    reply = event.reply
    if reply is None or str(reply.sender.user_id) != str(event.self_id):
        return None
    return find_incident_number(plain_text(reply.message))


def media_attachments(message: Message) -> tuple[Attachment, ...]:
    """Images and files as attachments; the URL (or file id) is kept, nothing is downloaded."""
    found = []
    for seg in message:
        if seg.type not in ("image", "file", "video", "record"):
            continue
        name = str(seg.data.get("file") or seg.data.get("name") or f"{seg.type}.bin")
        guessed = mimetypes.guess_type(name)[0]
        content_type = guessed or ("image/*" if seg.type == "image" else "application/octet-stream")
        size = str(seg.data.get("file_size") or "0")
        found.append(Attachment(filename=name, content_type=content_type,
                                size=int(size) if size.isdigit() else 0,
                                storage_ref=str(seg.data.get("url") or name)))
    return tuple(found)


def event_to_inbound(event: MessageEvent, *, keywords: Sequence[str] = ()) -> InboundMessage:
    """Translate a message event into the intake's InboundMessage (no I/O).

    ``external_id`` is ``<self_id>:<scene>:<message_id>`` so that a redelivered event is
    recognised; a quoted message becomes a thread key in the same form.
    """
    self_id, scene = str(event.self_id), scene_of(event)
    text, _ = strip_keyword(plain_text(event.message, self_id=self_id), keywords)
    attachments = media_attachments(event.message)
    if not text and attachments:
        text = _IMAGE_PLACEHOLDER
    quoted = quoted_message_id(event)
    sender = event.sender
    return InboundMessage(
        channel=ChannelKind.QQ,
        external_id=external_id_of(self_id, scene, event.message_id),
        sender=SenderIdentity(name=(sender.card or sender.nickname or None), qq=str(event.user_id)),
        reply_to=ReplyAddress(ChannelKind.QQ, scene, thread=str(event.message_id),
                              mention=str(event.user_id)),
        text=text,
        received_at=datetime.fromtimestamp(event.time, timezone.utc),
        attachments=attachments,
        raw=event.model_dump_json().encode("utf-8"),
        incident_number=find_incident_number(text) or quoted_incident_number(event),
        thread_keys=(external_id_of(self_id, scene, quoted),) if quoted else (),
    )


# -- outbound ------------------------------------------------------------------------------


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at line breaks when possible."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    if text or not pieces:
        pieces.append(text)
    return pieces


def build_messages(address: ReplyAddress, text: str, *, limit: int,
                   quote: bool = True) -> list[Message]:
    """The messages for ``text`` to ``address``: the first quotes and @s, all text is text."""
    messages = []
    for index, piece in enumerate(split_text(text, limit)):
        message = Message()
        if index == 0 and quote and address.thread and _is_message_id(address.thread):
            message.append(MessageSegment.reply(int(address.thread)))
        if index == 0 and address.mention and address.target.startswith("group:"):
            message.append(MessageSegment.at(address.mention))
            message.append(MessageSegment.text(" "))
        message.append(MessageSegment.text(piece))
        messages.append(message)
    return messages


def _is_message_id(value: str) -> bool:
    return value.lstrip("-").isdigit()


def _parse_target(target: str) -> tuple[str, int]:
    kind, _, number = target.partition(":")
    if kind not in ("group", "private") or not number.lstrip("-").isdigit():
        raise PermanentDeliveryError(f"malformed QQ target {target!r}")
    return kind, int(number)


def _default_bot() -> Any:
    return nonebot.get_bot()


@dataclass(frozen=True, slots=True)
class QqSendOptions:
    """The channel's settings that shape sends."""

    max_message_length: int = 1500
    private_notices: bool = False
    staff_group: int | None = None
    risk_backoff: timedelta = timedelta(seconds=60)


class QqChannel:
    """Outbound QQ adapter: ``send`` for outbox notices, ``send_to`` for direct replies."""

    kind = ChannelKind.QQ

    def __init__(self, throttle: QqThrottle, options: QqSendOptions = QqSendOptions(), *,
                 bot_lookup: BotLookup = _default_bot,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.throttle, self.options = throttle, options
        self._bot_lookup, self._clock = bot_lookup, clock

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        """Deliver an outbox notice, with the private/staff-group fallbacks of its kind."""
        bot = self._connected_bot()
        address = notice.address
        if (self.options.private_notices and address.target.startswith("group:")
                and address.mention and notice.kind is not NoticeKind.ESCALATION):
            private = ReplyAddress(ChannelKind.QQ, f"private:{address.mention}")
            try:
                return await self.send_to(bot, private, notice.text)
            except PermanentDeliveryError:
                logger.info("private notice refused, falling back to group incident=%s",
                            notice.incident_number)
        try:
            return await self.send_to(bot, address, notice.text)
        except PermanentDeliveryError:
            fallback = self._staff_group_fallback(notice)
            if fallback is None:
                raise
            logger.warning("escalation to %s refused, using the staff group", address.target)
            return await self.send_to(bot, fallback, notice.text)

    async def send_to(self, bot: Any, address: ReplyAddress, text: str, *,
                      quote: bool = True) -> DeliveryReceipt:
        """Send ``text`` to ``address`` now (throttled); the receipt names the first message."""
        kind, number = _parse_target(address.target)
        self_id = str(bot.self_id)
        first_id: str | None = None
        for message in build_messages(address, text, limit=self.options.max_message_length,
                                      quote=quote):
            try:
                await self.throttle.acquire(self_id, address.target)
            except ThrottleBusyError as err:
                raise TransientDeliveryError("QQ 发送过于频繁，稍后重试",
                                             retry_after=err.retry_after) from err
            sent_id = await self._call(bot, kind, number, message)
            first_id = first_id or sent_id
        external = external_id_of(self_id, address.target, first_id) if first_id else None
        return DeliveryReceipt(self._clock(), external)

    async def _call(self, bot: Any, kind: str, number: int, message: Message) -> str | None:
        try:
            if kind == "group":
                result = await bot.send_group_msg(group_id=number, message=message)
            else:
                result = await bot.send_private_msg(user_id=number, message=message)
        except ActionFailed as err:
            raise _translate_failure(err, self.options.risk_backoff) from err
        except (AdapterException, TimeoutError, OSError) as err:
            raise TransientDeliveryError(f"QQ send failed: {err!r}") from err
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return None if message_id is None else str(message_id)

    def _connected_bot(self) -> Any:
        try:
            return self._bot_lookup()
        except (KeyError, ValueError) as err:
            raise TransientDeliveryError("QQ 机器人未连接") from err

    def _staff_group_fallback(self, notice: OutboundNotice) -> ReplyAddress | None:
        target = notice.address.target
        if (notice.kind is not NoticeKind.ESCALATION or self.options.staff_group is None
                or not target.startswith("private:")):
            return None
        return ReplyAddress(ChannelKind.QQ, f"group:{self.options.staff_group}",
                            mention=target.removeprefix("private:"))


def _translate_failure(err: ActionFailed, backoff: timedelta) -> Exception:
    """Risk-control timeouts are retried later; any other refusal will not get better."""
    info = getattr(err, "info", {}) or {}
    retcode = info.get("retcode")
    wording = str(info.get("wording") or info.get("message") or "")
    detail = f"OneBot refused: retcode={retcode} {wording}".strip()
    if retcode in TRANSIENT_RETCODES or "timeout" in wording.lower():
        return TransientDeliveryError(detail, retry_after=backoff)
    return PermanentDeliveryError(detail)
