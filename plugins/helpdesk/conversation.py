"""One incoming QQ message in context: who said it where, and how to answer it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.channels.base import DeliveryError
from bot.channels.qq import QqChannel, external_id_of, scene_of
from bot.domain.messages import ChannelKind, ReplyAddress
from bot.domain.staff import Staff
from bot.runtime import Runtime
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)


@dataclass
class Conversation:
    """The runtime, the bot and the event of one message, with the replies it needs."""

    runtime: Runtime
    bot: Any
    event: Any

    @property
    def scene(self) -> str:
        """``group:<id>`` or ``private:<id>``."""
        return scene_of(self.event)

    @property
    def qq(self) -> str:
        """The sender's QQ number."""
        return str(self.event.user_id)

    @property
    def name(self) -> str:
        """The sender's group card or nickname."""
        sender = self.event.sender
        return sender.card or sender.nickname or self.qq

    @property
    def external_id(self) -> str:
        """The dedupe key of this message."""
        return external_id_of(self.event.self_id, self.scene, self.event.message_id)

    @property
    def address(self) -> ReplyAddress:
        """Answer in the same place, quoting the message and @-ing its sender."""
        return ReplyAddress(ChannelKind.QQ, self.scene, thread=str(self.event.message_id),
                            mention=self.qq)

    def channel(self) -> QqChannel:
        """The registered QQ sender."""
        channel = self.runtime.registry.for_kind(ChannelKind.QQ)
        assert isinstance(channel, QqChannel), "QQ channel adapter is not a QqChannel"
        return channel

    async def say(self, text: str) -> str | None:
        """Reply now (throttled, text segments only); a failure is logged, not raised."""
        try:
            receipt = await self.channel().send_to(self.bot, self.address, text)
        except DeliveryError as err:
            logger.warning("QQ reply failed scene=%s message=%s: %s", self.scene,
                           self.event.message_id, err)
            return None
        return receipt.external_id

    async def staff(self) -> Staff | None:
        """The staff member behind this QQ number, if any."""
        async with UnitOfWork(self.runtime.session_factory) as uow:
            return await uow.staff.by_qq(self.qq)

    async def contact_id(self) -> int | None:
        """The contact known by this QQ number, if any."""
        async with UnitOfWork(self.runtime.session_factory) as uow:
            contact = await uow.contacts.find([("qq", self.qq)])
        return contact.id if contact else None

    async def seen_before(self) -> bool:
        """Whether this exact message was already handled (a redelivery)."""
        async with UnitOfWork(self.runtime.session_factory) as uow:
            return await uow.messages.receipt_for(ChannelKind.QQ.value, self.external_id) \
                is not None

    async def claim(self) -> bool:
        """Record receipt of a message that will not reach intake; False if already there."""
        try:
            async with UnitOfWork(self.runtime.session_factory) as uow:
                if await uow.messages.receipt_for(ChannelKind.QQ.value, self.external_id):
                    return False
                await uow.messages.add_receipt(ChannelKind.QQ.value, self.external_id,
                                               at=self.runtime.clock())
                await uow.commit()
        except IntegrityError:
            return False  # a concurrent delivery of the same event won
        return True


SORRY = "抱歉，服务台暂时无法处理您的消息，请稍后再试或直接联系服务台。"


async def guarded(talk: Conversation, handler: Callable[[Conversation], Awaitable[None]], *,
                  apologise: bool = True) -> None:
    """Run a matcher's work; an unexpected error is logged and (if addressed) the sender told."""
    try:
        await handler(talk)
    except Exception:
        logger.exception("QQ message not handled scene=%s message=%s", talk.scene,
                         talk.event.message_id)
        if apologise:
            await talk.say(SORRY)
