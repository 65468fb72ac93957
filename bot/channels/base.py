"""The channel adapter protocol, its delivery errors, and the registry by channel kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.domain.errors import DeskError
from bot.domain.messages import ChannelKind, OutboundNotice


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """Proof the channel accepted a notice; ``external_id`` is its id there, when it has one."""

    delivered_at: datetime
    external_id: str | None = None


class DeliveryError(DeskError):
    """A notice could not be delivered."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: timeouts, disconnects, SMTP 4xx, the bot being offline."""

    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: SMTP 5xx, a OneBot action refused, a malformed address."""


class UnknownChannelError(DeliveryError):
    """No adapter is registered for a channel kind (the channel is not configured)."""

    def __init__(self, kind: ChannelKind) -> None:
        super().__init__(f"no adapter registered for channel {kind.value!r}")
        self.kind = kind


@runtime_checkable
class ChannelAdapter(Protocol):
    """What the delivery service needs from an outbound channel."""

    kind: ChannelKind

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        """Deliver ``notice`` or raise TransientDeliveryError / PermanentDeliveryError."""
        ...


@dataclass(frozen=True, slots=True)
class ChannelState:
    """What /healthz says about a channel."""

    enabled: bool
    detail: str


class ChannelRegistry:
    """Adapters by kind, plus the state of every channel (including the ones that are off)."""

    def __init__(self) -> None:
        self._adapters: dict[ChannelKind, ChannelAdapter] = {}
        self._states: dict[ChannelKind, ChannelState] = {}

    def register(self, adapter: ChannelAdapter, *, detail: str = "已启用") -> None:
        """Make ``adapter`` the sender for its kind."""
        self._adapters[adapter.kind] = adapter
        self._states[adapter.kind] = ChannelState(True, detail)

    def mark_on(self, kind: ChannelKind, detail: str) -> None:
        """Record that a channel without an outbound adapter is on (the web form)."""
        self._states[kind] = ChannelState(True, detail)

    def mark_off(self, kind: ChannelKind, reason: str) -> None:
        """Record that a channel is not configured, and why.

        An adapter registered before (a drill or a test injecting a recording adapter) stays.
        """
        if kind not in self._adapters:
            self._states[kind] = ChannelState(False, reason)

    def set_detail(self, kind: ChannelKind, detail: str) -> None:
        """Update the state text of an enabled channel (connected, reconnecting, …)."""
        state = self._states.get(kind)
        self._states[kind] = ChannelState(state.enabled if state else False, detail)

    def for_kind(self, kind: ChannelKind) -> ChannelAdapter:
        """The adapter for ``kind``; raises UnknownChannelError."""
        try:
            return self._adapters[kind]
        except KeyError:
            raise UnknownChannelError(kind) from None

    def states(self) -> dict[str, ChannelState]:
        """Every known channel's state by kind value."""
        return {kind.value: state for kind, state in sorted(self._states.items())}
