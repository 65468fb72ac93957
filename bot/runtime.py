"""The wired services of a running desk, reachable by plugins and jobs through get_runtime()."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import ChannelRegistry
from bot.domain.duty_calendar import DutyCalendar
from bot.domain.sla import SlaPolicy
from bot.services.actions import IncidentActions
from bot.services.clock import Clock
from bot.services.digest import DigestService
from bot.services.delivery import DeliveryService
from bot.services.intake import IntakeService
from bot.services.knowledge import KnowledgeService
from bot.services.notices import NoticeRenderer
from bot.services.sweep import SweepService
from storage.files import FileStore

if TYPE_CHECKING:
    from config.settings import Settings


@dataclass
class Runtime:
    """Everything the composition root built, in one place."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    calendar: DutyCalendar
    policy: SlaPolicy
    registry: ChannelRegistry
    intake: IntakeService
    actions: IncidentActions
    renderer: NoticeRenderer
    delivery: DeliveryService
    files: FileStore
    knowledge: KnowledgeService | None
    sweep: SweepService
    digest: DigestService
    clock: Clock
    started_at: datetime
    job_runs: dict[str, dict[str, str]] = field(default_factory=dict)
    scheduler_running: bool = False


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    """Install (or clear) the process-wide runtime; only the composition root calls this."""
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    """The running desk's services; raises if the desk has not started."""
    if _runtime is None:
        raise RuntimeError("SiteDesk runtime not started")
    return _runtime
