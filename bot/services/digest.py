"""The daily digest to the desk: unprocessed, overdue, due today, undeliverable, quarantined."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.duty_calendar import DutyCalendar
from bot.domain.incident import Status
from bot.domain.messages import NoticeKind, OutboundNotice
from bot.services.clock import Clock
from bot.services.notices import NoticeRenderer
from bot.services.recipients import Recipients
from storage.incidents import overdue_condition
from storage.models import IncidentRow
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

QuarantineCount = Callable[[UnitOfWork], Awaitable[int]]


async def _no_quarantine(_uow: UnitOfWork) -> int:
    return 0


@dataclass
class DigestService:
    """Composes and queues the digest once per working day (keyed by the date)."""

    session_factory: async_sessionmaker[AsyncSession]
    calendar: DutyCalendar
    clock: Clock
    renderer: NoticeRenderer
    recipients: Recipients
    quarantined: QuarantineCount = _no_quarantine

    async def send_daily(self) -> bool:
        """Queue today's digest; False on a day off or when it was queued already."""
        now = self.clock()
        local = now.astimezone(self.calendar.tz)
        if not self.calendar.is_working_day(local.date()):
            return False
        day_end = datetime.combine(local.date() + timedelta(days=1), time(0),
                                   tzinfo=self.calendar.tz)
        async with UnitOfWork(self.session_factory) as uow:
            context = {
                "day": local.strftime("%Y-%m-%d"),
                "unprocessed": await uow.incidents.open_where(
                    IncidentRow.status == Status.NEW.value),
                "overdue": await uow.incidents.open_where(overdue_condition(now)),
                "due_today": await uow.incidents.open_where(IncidentRow.next_due_at >= now,
                                                            IncidentRow.next_due_at < day_end),
                "dead_letters": (await uow.outbox.count_by_state()).get("dead", 0),
                "quarantined": await self.quarantined(uow),
            }
            rendered = self.renderer.render_plain(NoticeKind.DIGEST, **context)
            queued = False
            for address in self.recipients.desk_addresses():
                notice = OutboundNotice(
                    kind=NoticeKind.DIGEST, address=address, text=rendered.text,
                    subject=rendered.subject, html=rendered.html,
                    idempotency_key=f"digest:{context['day']}:{address.kind}:{address.target}")
                queued |= await uow.outbox.add(notice, now=now)
            await uow.commit()
        logger.info("digest day=%s queued=%s", context["day"], queued)
        return queued
