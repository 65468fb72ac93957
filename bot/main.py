"""The composition root: read settings, wire storage, services, channels, web and scheduler."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelRegistry
from bot.channels.email_service import Stop, quarantine_count, start_email_channel
from bot.channels.qq_service import configure_qq_channel
from bot.domain.duty_calendar import DutyCalendar
from bot.domain.incident import Category
from bot.domain.messages import ChannelKind
from bot.domain.sla import SlaPolicy
from bot.runtime import Runtime, set_runtime
from bot.scheduler.setup import DELIVERY_JOB, build_scheduler, describe, kicker
from bot.services.actions import IncidentActions
from bot.services.clock import Clock, system_clock
from bot.services.delivery import DeliveryService, RetryPolicy
from bot.services.digest import DigestService
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.knowledge import KnowledgeService
from bot.services.notices import NoticeRenderer
from bot.services.recipients import DeskAddresses, Recipients
from bot.services.sweep import SweepService
from bot.web.app import create_app
from bot.web.channel import TrackingPageChannel
from config.calendar import load_official_days, warn_estimated_years
from config.settings import Settings
from knowledge_base import KnowledgeBaseError
from storage.db import make_engine, make_session_factory
from storage.files import FileStore
from storage.migrate import upgrade

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


def build_calendar(settings: Settings) -> DutyCalendar:
    """The duty calendar: official data, the desk's override file, the duty window."""
    override = settings.desk.holidays_file
    days = load_official_days(override if override.exists() else None)
    return DutyCalendar(days, duty_start=settings.desk.duty_start,
                        duty_end=settings.desk.duty_end, tz=settings.desk.zone())


def build_policy(settings: Settings, calendar: DutyCalendar) -> SlaPolicy:
    """Response targets from settings on the duty calendar."""
    return SlaPolicy(settings.sla.response_targets(), settings.sla.feedback_form, calendar)


def build_runtime(settings: Settings, *, clock: Clock = system_clock,
                  registry: ChannelRegistry | None = None) -> Runtime:
    """Wire every service; nothing is started and nothing is connected yet (the knowledge
    base's article files are read here)."""
    engine = make_engine(settings.database_url())
    files = FileStore(settings.desk.data_dir / "files")
    session_factory = make_session_factory(engine)
    calendar = build_calendar(settings)
    policy = build_policy(settings, calendar)
    registry = registry or ChannelRegistry()
    base_url = settings.web.base_url()
    renderer = NoticeRenderer(
        settings.desk.zone(), override_dir=Path("config/templates"),
        tracking_url=lambda incident: f"{base_url}/t/{incident.tracking_token}")
    rules = settings.escalation.rules()
    intake = IntakeService(
        session_factory=session_factory, policy=policy, clock=clock,
        defaults=IntakeDefaults(severity=settings.intake.default_severity,
                                category=Category.from_text(settings.intake.default_category)),
        renderer=renderer, rules=rules)
    delivery = DeliveryService(
        session_factory=session_factory, registry=registry, clock=clock,
        retry=RetryPolicy(settings.delivery.max_attempts, settings.delivery.base_backoff.amount,
                          settings.delivery.max_backoff.amount),
        lease=settings.delivery.lease.amount, batch_size=settings.delivery.batch_size)
    knowledge = _load_knowledge(settings, session_factory, clock)
    recipients = build_recipients(settings)
    sweep = SweepService(session_factory=session_factory, policy=policy, rules=rules,
                         clock=clock, renderer=renderer, recipients=recipients,
                         batch=settings.escalation.sweep_batch)
    digest = DigestService(session_factory=session_factory, calendar=calendar, clock=clock,
                           renderer=renderer, recipients=recipients, quarantined=quarantine_count)
    actions = IncidentActions(session_factory=session_factory, policy=policy, clock=clock,
                              renderer=renderer, rules=rules, escalator=sweep.escalate_now,
                              recipients=recipients)
    return Runtime(settings=settings, engine=engine, session_factory=session_factory,
                   calendar=calendar, policy=policy, registry=registry, intake=intake,
                   actions=actions, renderer=renderer, delivery=delivery, files=files,
                   knowledge=knowledge, sweep=sweep, digest=digest, clock=clock,
                   started_at=clock())


def build_recipients(settings: Settings) -> Recipients:
    """Who gets escalations, digests and handovers, from [notify], [oncall], [escalation]."""
    notify = settings.notify
    return Recipients(
        desk=DeskAddresses(qq_group=notify.desk_qq_group, email=notify.desk_email,
                           dev_team_email=notify.dev_team_email,
                           project_management_email=notify.project_management_email,
                           product_manager_email=notify.product_manager_email),
        zone=settings.desk.zone(), on_call_of=settings.oncall.on_call,
        second_line_usernames=tuple(settings.escalation.second_line))


def _load_knowledge(settings: Settings, session_factory: async_sessionmaker[AsyncSession],
                    clock: Clock) -> KnowledgeService | None:
    path = settings.knowledge.articles_dir
    try:
        return KnowledgeService.from_path(
            path, session_factory, clock,
            outcome_window=settings.knowledge.outcome_window.amount)
    except (OSError, KnowledgeBaseError) as err:
        logger.error("knowledge base not loaded from %s: %s; questions open incidents", path, err)
        return None


class DeskService:
    """Starts and stops what runs beside NoneBot: database, scheduler, web application."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.scheduler: AsyncIOScheduler | None = None
        self._web: web.AppRunner | None = None
        self._stops: list[Stop] = []

    async def start(self) -> None:
        """Migrate, then start the scheduler and the web app; install the runtime."""
        settings = self.runtime.settings
        await upgrade(self.runtime.engine)
        set_runtime(self.runtime)
        year = self.runtime.clock().astimezone(self.runtime.calendar.tz).year
        warn_estimated_years(self.runtime.calendar, (year, year + 1))
        self.scheduler = build_scheduler(self.runtime)
        self.scheduler.start()
        kick = kicker(self.scheduler, DELIVERY_JOB)
        self.runtime.intake.on_committed = self.runtime.actions.on_committed = kick
        # Web requesters read replies on their tracking page: the web "sender" only records it.
        self.runtime.registry.register(TrackingPageChannel(self.runtime.clock),
                                       detail="网页报修已启用")
        for starter in (start_email_channel,):
            stop = await starter(self.runtime)
            if stop is not None:
                self._stops.append(stop)
        app = create_app(self.runtime, lambda: describe(self.scheduler, self.runtime))
        self._web = web.AppRunner(app, access_log=None)
        await self._web.setup()
        await web.TCPSite(self._web, settings.web.host, settings.web.port).start()
        logger.info("web app listening on http://%s:%s", settings.web.host, settings.web.port)

    async def stop(self) -> None:
        """Stop accepting work, then release the database."""
        for stop in reversed(self._stops):
            await stop()
        if self._web is not None:
            await self._web.cleanup()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.runtime.engine.dispose()
        set_runtime(None)
        logger.info("SiteDesk stopped")


def configure_logging(settings: Settings) -> None:
    """Our loggers at the configured level; NoneBot keeps its own loguru output."""
    logging.basicConfig(level=settings.logging.level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every tick at INFO; its warnings (missed runs) and errors still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def nonebot_kwargs(environ: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    """Only what NoneBot would not get from the environment or .env: the default driver."""
    from dotenv import dotenv_values

    env_files = [".env", f".env.{environ.get('ENVIRONMENT', 'prod')}"]
    in_files = any("DRIVER" in dotenv_values(f) for f in env_files if Path(f).exists())
    return {} if "DRIVER" in environ or in_files else {"driver": "~aiohttp"}


def run(settings: Settings) -> None:
    """Run the desk until SIGINT/SIGTERM: NoneBot owns the loop and the signal handling."""
    import nonebot
    from nonebot.adapters.onebot.v11 import Adapter as OneBotV11Adapter

    configure_logging(settings)
    nonebot.init(**nonebot_kwargs(os.environ))
    driver = nonebot.get_driver()
    driver.register_adapter(OneBotV11Adapter)
    runtime = build_runtime(settings)
    configure_qq_channel(runtime, driver)
    service = DeskService(runtime)
    driver.on_startup(service.start)
    driver.on_shutdown(service.stop)
    nonebot.load_plugins(str(ROOT / "plugins"))
    nonebot.run()
