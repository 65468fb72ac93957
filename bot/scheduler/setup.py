"""Build the APScheduler instance with explicit job defaults, and record each job's last run."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from bot.scheduler import jobs

logger = logging.getLogger(__name__)

DELIVERY_JOB = "deliver_pending"
SWEEP_JOB = "sweep"


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """A scheduler whose late ticks still run (APScheduler's default grace is 1 s)."""
    settings = runtime.settings.scheduler
    scheduler = AsyncIOScheduler(
        timezone=runtime.settings.desk.timezone,
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(settings.misfire_grace.amount.total_seconds())})
    scheduler.add_job(jobs.deliver_pending_job, "interval", id=DELIVERY_JOB,
                      seconds=settings.delivery_interval.amount.total_seconds(),
                      replace_existing=True)
    scheduler.add_job(jobs.sweep_job, "interval", id=SWEEP_JOB,
                      seconds=settings.sweep_interval.amount.total_seconds(),
                      replace_existing=True)
    digest_at = runtime.settings.notify.digest_time
    scheduler.add_job(jobs.digest_job, "cron", id="daily_digest", hour=digest_at.hour,
                      minute=digest_at.minute, replace_existing=True)
    scheduler.add_job(jobs.reload_knowledge_job, "interval", id="reload_knowledge",
                      seconds=runtime.settings.knowledge.reload_interval.amount.total_seconds(),
                      replace_existing=True)
    scheduler.add_listener(_recorder(runtime),
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def kicker(scheduler: AsyncIOScheduler, job_id: str) -> Any:
    """A callable that makes ``job_id`` run now instead of at its next tick."""
    def kick() -> None:
        job = scheduler.get_job(job_id)
        if job is not None and scheduler.running:
            job.modify(next_run_time=datetime.now(timezone.utc))
    return kick


def describe(scheduler: AsyncIOScheduler | None, runtime: Runtime) -> dict[str, Any]:
    """The scheduler's state for /healthz."""
    if scheduler is None:
        return {"running": False, "jobs": []}
    return {
        "running": bool(scheduler.running),
        "jobs": [{"id": job.id,
                  "next_run_at": job.next_run_time.isoformat() if job.next_run_time else None,
                  **runtime.job_runs.get(job.id, {})}
                 for job in scheduler.get_jobs()],
    }


def _recorder(runtime: Runtime) -> Any:
    def record(event: JobEvent) -> None:
        outcome = "missed" if event.code == EVENT_JOB_MISSED else (
            "error" if getattr(event, "exception", None) else "ok")
        runtime.job_runs[event.job_id] = {
            "last_run_at": (event.scheduled_run_time or datetime.now(timezone.utc)).isoformat(),
            "last_outcome": outcome,
        }
        if outcome == "missed":
            logger.warning("job=%s missed its run at %s", event.job_id,
                           event.scheduled_run_time)
    return record


