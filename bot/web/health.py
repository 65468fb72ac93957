"""GET /healthz: the state of the database, channels, scheduler, outbox and calendar coverage."""

from __future__ import annotations

import logging
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.runtime import Runtime
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

SchedulerState = Callable[[], dict[str, Any]]


async def health_report(runtime: Runtime, scheduler_state: SchedulerState) -> dict[str, Any]:
    """Everything an operator checks first, as JSON-ready data."""
    database: dict[str, Any] = {"backend": runtime.engine.dialect.name}
    outbox: dict[str, int] = {}
    try:
        async with UnitOfWork(runtime.session_factory) as uow:
            await uow.session.execute(text("SELECT 1"))
            outbox = await uow.outbox.count_by_state()
        database["ok"] = True
    except Exception as err:  # the health check reports failures, it never raises them
        logger.warning("health check: database unreachable: %s", err)
        database.update(ok=False, error=type(err).__name__)
    now_year = runtime.clock().astimezone(runtime.calendar.tz).year
    years = {str(y): runtime.calendar.year_source(y).value for y in (now_year, now_year + 1)}
    scheduler = scheduler_state()
    ok = bool(database["ok"]) and bool(scheduler.get("running"))
    return {
        "status": "ok" if ok else "degraded",
        "database": database,
        "channels": {kind: {"enabled": s.enabled, "detail": s.detail}
                     for kind, s in runtime.registry.states().items()},
        "scheduler": scheduler,
        "outbox": {"pending": sum(outbox.get(k, 0) for k in ("pending", "claimed", "sending")),
                   "sent": outbox.get("sent", 0), "dead": outbox.get("dead", 0)},
        "calendar": {"years": years,
                     "estimated_years": [int(y) for y, s in years.items() if s == "estimated"]},
        "started_at": runtime.started_at.isoformat(),
    }


def health_handler(runtime: Runtime, scheduler_state: SchedulerState) -> Any:
    """The aiohttp handler for /healthz (503 when degraded)."""
    async def handle(_request: web.Request) -> web.Response:
        report = await health_report(runtime, scheduler_state)
        status = 200 if report["status"] == "ok" else 503
        return web.json_response(report, status=status,
                                 dumps=_dumps)
    return handle


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
