"""Module-level job functions (APScheduler keeps references, so no closures or bound methods)."""

from __future__ import annotations

import logging

from bot.runtime import get_runtime

logger = logging.getLogger(__name__)


async def deliver_pending_job() -> None:
    """Send what the outbox holds that is due (APScheduler logs and records any exception)."""
    report = await get_runtime().delivery.deliver_pending()
    if report.sent or report.retried or report.dead:
        logger.debug("delivery sent=%d retried=%d dead=%d", report.sent, report.retried,
                     report.dead)


async def reload_knowledge_job() -> None:
    """Pick up edited FAQ articles without a restart, and settle answered questions' outcomes."""
    knowledge = get_runtime().knowledge
    if knowledge is None:
        return
    if knowledge.reload_if_changed():
        logger.info("knowledge base reloaded: %d articles", len(knowledge.kb.articles))
    await knowledge.settle_outcomes()


async def sweep_job() -> None:
    """Apply the contract's clocks to whatever is due."""
    runtime = get_runtime()
    report = await runtime.sweep.sweep()
    if report.actions:
        runtime.intake.on_committed()  # new notices: deliver now, not at the next tick


async def digest_job() -> None:
    """The desk's digest, on working days only (the service checks the calendar)."""
    runtime = get_runtime()
    if await runtime.digest.send_daily():
        runtime.intake.on_committed()
