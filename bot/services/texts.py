"""The Chinese texts people read in notices, kept in one catalogue."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.incident import Incident
from bot.domain.sla import Severity

SEVERITY_LABELS = {
    "l1": "L1（系统宕机且数据丢失）",
    "l2": "L2（系统宕机或基本功能不可用）",
    "l3": "L3（尚未宕机，损害在累积）",
    "l4": "L4（缺陷影响工作）",
    "l5": "L5（缺陷暂不影响工作）",
}


def severity_label(severity: Severity) -> str:
    """``L4（缺陷影响工作）``."""
    return SEVERITY_LABELS.get(severity.value, severity.value.upper())


def format_local(at: datetime | None, zone: ZoneInfo) -> str:
    """A deadline as the desk reads it: ``2026-10-13 10:00``."""
    if at is None:
        return "—"
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def follow_up_received(incident: Incident) -> str:
    """The reply to additional information on an existing incident."""
    return f"已将补充信息记录到工单 {incident.number}（当前状态：{incident.status.label}）。"
