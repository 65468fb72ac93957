"""The web channel's outbound side: the tracking page shows replies, so delivery is immediate."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.base import DeliveryReceipt
from bot.domain.messages import ChannelKind, OutboundNotice
from bot.services.clock import Clock


@dataclass
class TrackingPageChannel:
    """Notices to a web requester are read on the tracking page; sending only records that.

    Replies are stored as messages and progress as public timeline events in the same
    transaction that queued the notice, so there is nothing left to transport.
    """

    clock: Clock
    kind: ChannelKind = ChannelKind.WEB

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        """Mark the notice delivered: the tracking page already shows it."""
        return DeliveryReceipt(self.clock(), external_id=f"web:{notice.idempotency_key}")
