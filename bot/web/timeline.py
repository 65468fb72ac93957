"""Timeline events and messages as sentences people read (Chinese)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.events import EventKind, TimelineEvent
from bot.domain.incident import Category, Status
from bot.domain.messages import ChannelKind
from bot.domain.sla import Severity
from bot.services.texts import format_local


def describe_event(event: TimelineEvent, zone: ZoneInfo) -> str:
    """One line for the timeline; user text stays plain and is escaped by the template."""
    data = event.data
    kind = event.kind
    if kind is EventKind.OPENED:
        return f"报修已登记（{_label(ChannelKind, data.get('channel'))}）：{data.get('title', '')}"
    if kind in (EventKind.STATUS_CHANGED, EventKind.REOPENED):
        head = "工单重新打开" if kind is EventKind.REOPENED else "状态变更"
        text = f"{head}：{_label(Status, data.get('from'))} → {_label(Status, data.get('to'))}"
        return text + (f"（{data['note']}）" if data.get("note") else "")
    if kind is EventKind.SEVERITY_CHANGED:
        return f"级别调整：{_label(Severity, data.get('from'))} → {_label(Severity, data.get('to'))}"
    if kind is EventKind.CATEGORY_CHANGED:
        return f"类别调整：{_label(Category, data.get('from'))} → {_label(Category, data.get('to'))}"
    if kind is EventKind.PLAN_SET:
        due = _local_iso(data.get("due_at"), zone)
        return f"处理方案（计划 {due} 前完成）：{data.get('note') or ''}"
    if kind is EventKind.NOTE_ADDED:
        prefix = "分析结论" if data.get("analysis") else "处理进展"
        return f"{prefix}：{data.get('text', '')}"
    if kind is EventKind.ASSIGNED:
        return f"转交给 {data.get('to')}"
    if kind is EventKind.ESCALATED:
        reason = str(data.get("reason", ""))
        return f"升级到第 {data.get('level')} 级：{_REASONS.get(reason, reason)}"
    if kind is EventKind.NOTICE_QUEUED:
        notice = str(data.get("notice", ""))
        return (f"通知已排队发送（{_NOTICES.get(notice, notice)}，"
                f"{_label(ChannelKind, data.get('channel'))}）")
    if kind is EventKind.DELIVERY_UNCERTAIN:
        return f"通知发送中断后已重发，对方可能收到两次（{_label(ChannelKind, data.get('channel'))}）"
    return _SIMPLE.get(kind, kind.value)


# Rung names the sweep records (bot.domain.clocks.Step) and its other reasons.
_REASONS = {"page": "紧急呼叫值班工程师", "warning": "即将超时，已提醒负责人",
            "breach": "已超时，已通知服务经理", "second_line": "升级至二线并转交研发",
            "plan_lapsed": "计划完成时间已过，已通知服务经理"}

_NOTICES = {"acknowledgement": "受理回执", "progress": "进度通知", "feedback_form": "报修反馈单",
            "confirmation_request": "请用户确认", "escalation": "升级提醒", "reply": "回复",
            "digest": "日报", "handover": "转交研发", "plan_reminder": "计划提醒"}

_SIMPLE = {
    EventKind.MESSAGE_RECEIVED: "收到用户补充信息",
    EventKind.MESSAGE_SENT: "服务台已回复",
    EventKind.TAKEN: "工作人员已受理",
    EventKind.CONFIRMED: "用户确认问题已解决",
    EventKind.SLA_PAUSED: "等待用户反馈（时限计时暂停）",
    EventKind.SLA_RESUMED: "恢复时限计时",
    EventKind.CONTACT_LINKED: "已关联联系人",
}


def _label(enum: Any, value: Any) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value or "")


def _local_iso(value: Any, zone: ZoneInfo) -> str:
    from datetime import datetime

    try:
        return format_local(datetime.fromisoformat(str(value)), zone)
    except ValueError:
        return str(value or "")
