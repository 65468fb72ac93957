"""Delivery: claim due outbox rows, send them through their channel, settle each outcome."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import (
    ChannelRegistry, PermanentDeliveryError, TransientDeliveryError, UnknownChannelError,
)
from bot.domain.events import EventKind, TimelineEvent
from bot.services.clock import Clock
from storage.outbox import ClaimedNotice
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped, for a bounded number of attempts."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        """How long to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        # Half fixed, half jitter: never retry instantly, never stampede.
        return ceiling / 2 + ceiling / 2 * rng.random()


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0


@dataclass
class DeliveryService:
    """Sends what the outbox holds; at least once, deduplicated by idempotency key downstream."""

    session_factory: async_sessionmaker[AsyncSession]
    registry: ChannelRegistry
    clock: Clock
    retry: RetryPolicy = RetryPolicy()
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 50
    rng: random.Random = field(default_factory=random.Random)

    async def deliver_pending(self) -> DeliveryReport:
        """One pass: claim a batch (committed first), then send each and settle it."""
        async with UnitOfWork(self.session_factory) as uow:
            claimed = await uow.outbox.claim_due(self.clock(), limit=self.batch_size,
                                                 lease=self.lease)
            await uow.commit()
        report = DeliveryReport()
        for item in claimed:
            if item.attempts > self.retry.max_attempts:
                # Claimed again and again without being settled: its sender keeps dying on it.
                outcome = await self._settle_dead(item, "发送过程反复中断，已停止重试")
            else:
                outcome = await self._deliver_one(item)
            report = _add(report, outcome)
        return report

    async def _deliver_one(self, item: ClaimedNotice) -> str:
        notice = item.notice
        try:
            adapter = self.registry.for_kind(notice.address.kind)
            async with UnitOfWork(self.session_factory) as uow:
                await uow.outbox.mark_sending(item.id)
                await uow.commit()
            receipt = await adapter.send(notice)
        except (TransientDeliveryError, UnknownChannelError) as err:
            return await self._failed(item, err)
        except PermanentDeliveryError as err:
            return await self._settle_dead(item, str(err))
        except Exception as err:  # an adapter bug must not stop every notice behind this one
            logger.exception("notice=%s channel=%s: unexpected error while sending", item.id,
                             notice.address.kind.value)
            return await self._failed(item, err)
        async with UnitOfWork(self.session_factory) as uow:
            await uow.outbox.mark_sent(item.id, now=self.clock(), external_id=receipt.external_id)
            if item.recovered and not getattr(adapter, "deduplicates", False):
                self._report_uncertain(uow, item)
            await uow.commit()
        logger.info("sent notice=%s kind=%s channel=%s incident=%s", item.id,
                    notice.kind.value, notice.address.kind.value, notice.incident_number)
        return "sent"

    def _report_uncertain(self, uow: UnitOfWork, item: ClaimedNotice) -> None:
        # A sender died between sending and marking; this channel cannot recognise the second
        # copy (QQ has no message key), so people must know it may have arrived twice.
        logger.warning("notice=%s channel=%s resent after an interrupted send; the requester "
                       "may see it twice", item.id, item.notice.address.kind.value)
        if item.incident_id is not None:
            uow.incidents.append_event(item.incident_id, TimelineEvent(
                EventKind.DELIVERY_UNCERTAIN, "system", self.clock(),
                {"notice": item.notice.kind.value, "channel": item.notice.address.kind.value,
                 "text": "上次发送中断后已重发，对方可能收到两次"}))

    async def _failed(self, item: ClaimedNotice, err: Exception) -> str:
        if item.attempts >= self.retry.max_attempts:
            return await self._settle_dead(item, f"{err} (after {item.attempts} attempts)")
        delay = self.retry.delay(item.attempts, self.rng)
        if isinstance(err, TransientDeliveryError) and err.retry_after:
            delay = max(delay, err.retry_after)
        async with UnitOfWork(self.session_factory) as uow:
            await uow.outbox.mark_retry(item.id, next_attempt_at=self.clock() + delay,
                                        error=str(err))
            await uow.commit()
        log = logger.warning if item.attempts == 1 else logger.debug
        log("notice=%s channel=%s failed, retry in %ss: %s", item.id,
            item.notice.address.kind.value, int(delay.total_seconds()), err)
        return "retried"

    async def _settle_dead(self, item: ClaimedNotice, error: str) -> str:
        async with UnitOfWork(self.session_factory) as uow:
            await uow.outbox.mark_dead(item.id, error=error)
            await uow.commit()
        logger.error("notice=%s channel=%s undeliverable: %s", item.id,
                     item.notice.address.kind.value, error)
        return "dead"


def _add(report: DeliveryReport, outcome: str) -> DeliveryReport:
    return DeliveryReport(sent=report.sent + (outcome == "sent"),
                          retried=report.retried + (outcome == "retried"),
                          dead=report.dead + (outcome == "dead"))
