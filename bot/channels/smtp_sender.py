"""The SMTP channel: send a notice as formal mail with aiosmtplib, rate-limited, errors classified."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

import aiosmtplib

from bot.channels.base import DeliveryReceipt, PermanentDeliveryError, TransientDeliveryError
from bot.channels.email_compose import Sender, build_message, mask_address
from bot.channels.email_ids import own_message_id
from bot.domain.messages import ChannelKind, OutboundNotice

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send, and who we are."""

    host: str
    port: int
    tls: Literal["implicit", "starttls", "plain"]
    sender: Sender
    id_domain: str
    username: str = ""
    password: str = field(default="", repr=False)
    id_secret: str = field(default="", repr=False)
    timeout: timedelta = timedelta(seconds=30)
    validate_certs: bool = True
    own_addresses: frozenset[str] = frozenset()
    rate_window: timedelta = timedelta(hours=1)
    rate_per_recipient: int = 20
    rate_per_incident: int = 10


class RateLimiter:
    """At most ``limit`` events per key within a sliding ``window``."""

    def __init__(self, window: timedelta, limit: int) -> None:
        self._window, self._limit = window, limit
        self._events: dict[str, deque[datetime]] = {}

    def wait_time(self, key: str, now: datetime) -> timedelta | None:
        """How long until one more event is allowed for ``key`` (None: allowed now)."""
        events = self._events.get(key)
        if not events:
            return None
        while events and events[0] <= now - self._window:
            events.popleft()
        if len(events) < self._limit:
            return None
        return events[0] + self._window - now

    def record(self, key: str, now: datetime) -> None:
        """Count one event for ``key``."""
        self._events.setdefault(key, deque()).append(now)


class SmtpChannel:
    """Outbound email (ChannelAdapter): one connection per message, as aiosmtplib advises."""

    kind = ChannelKind.EMAIL

    def __init__(self, config: SmtpConfig, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._config = config
        self._clock = clock
        self._per_recipient = RateLimiter(config.rate_window, config.rate_per_recipient)
        self._per_incident = RateLimiter(config.rate_window, config.rate_per_incident)
        self._lock = asyncio.Lock()

    def message_id_for(self, notice: OutboundNotice) -> str:
        """Our Message-ID for ``notice`` (stable across retries)."""
        number = self._number(notice)
        return own_message_id(notice.idempotency_key, number=number,
                              domain=self._config.id_domain, secret=self._config.id_secret)

    async def send(self, notice: OutboundNotice) -> DeliveryReceipt:
        """Send ``notice``; raise TransientDeliveryError or PermanentDeliveryError."""
        recipient = notice.address.target.strip()
        self._check_recipient(recipient)
        number = self._number(notice)
        async with self._lock:  # the limit check and its count must not interleave
            now = self._clock()
            self._check_rate(recipient.lower(), number, now)
            message_id = self.message_id_for(notice)
            message = build_message(notice, sender=self._config.sender, message_id=message_id,
                                    number=number, now=now)
            await self._transmit(message, recipient)
            self._per_recipient.record(recipient.lower(), now)
            if number:
                self._per_incident.record(number, now)
        logger.info("mail sent kind=%s incident=%s to=%s message_id=%s", notice.kind.value,
                    number, mask_address(recipient), message_id)
        return DeliveryReceipt(self._clock(), message_id)

    def _number(self, notice: OutboundNotice) -> str | None:
        # The outbox stores the number with the notice (OutboxRow.incident_number); notices
        # about no incident (the digest) have none.
        return notice.incident_number or None

    def _check_recipient(self, recipient: str) -> None:
        if "@" not in recipient or any(ch in recipient for ch in "\r\n<>,; "):
            raise PermanentDeliveryError(f"not a mail address: {mask_address(recipient)}")
        if recipient.lower() in self._config.own_addresses | {self._config.sender.address}:
            raise PermanentDeliveryError("refusing to mail the desk's own address (loop)")

    def _check_rate(self, recipient: str, number: str | None, now: datetime) -> None:
        waits = [self._per_recipient.wait_time(recipient, now),
                 self._per_incident.wait_time(number, now) if number else None]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            logger.warning("mail rate limit reached to=%s incident=%s retry_in=%ss",
                           mask_address(recipient), number, int(wait.total_seconds()))
            raise TransientDeliveryError("mail rate limit reached",
                                         retry_after=wait + timedelta(seconds=1))

    async def _transmit(self, message: object, recipient: str) -> None:
        config = self._config
        try:
            await aiosmtplib.send(
                message,  # type: ignore[arg-type]
                sender=config.sender.address, recipients=[recipient],
                hostname=config.host, port=config.port,
                username=config.username or None, password=config.password or None,
                use_tls=config.tls == "implicit",
                start_tls=True if config.tls == "starttls" else False,
                timeout=config.timeout.total_seconds(), validate_certs=config.validate_certs)
        except (aiosmtplib.SMTPException, OSError) as err:
            raise delivery_error(err) from err


def delivery_error(err: Exception) -> TransientDeliveryError | PermanentDeliveryError:
    """Classify an SMTP failure: 5xx is permanent; 4xx, timeouts and disconnects are not."""
    if isinstance(err, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in err.recipients]
        if codes and min(codes) >= 500:
            return PermanentDeliveryError(f"recipient refused: {codes}")
        return TransientDeliveryError(f"recipient deferred: {codes}")
    if isinstance(err, aiosmtplib.SMTPResponseException):
        if err.code >= 500:
            return PermanentDeliveryError(f"SMTP {err.code}: {err.message}")
        return TransientDeliveryError(f"SMTP {err.code}: {err.message}")
    if isinstance(err, aiosmtplib.SMTPNotSupported):
        return PermanentDeliveryError(f"SMTP server lacks a feature: {err}")
    # Connection refused or dropped, timeouts (SMTPTimeoutError is an OSError too).
    return TransientDeliveryError(f"SMTP unavailable: {type(err).__name__}: {err}")
