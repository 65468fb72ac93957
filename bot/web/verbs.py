"""The staff actions on an incident, shared by the console and the REST API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidInputError
from bot.domain.incident import Category, Incident
from bot.domain.sla import Severity
from bot.domain.staff import Permission, Staff
from bot.services.actions import IncidentActions

Params = Mapping[str, Any]
Perform = Callable[[IncidentActions, str, Staff, Params, ZoneInfo], Awaitable[Incident]]


@dataclass(frozen=True, slots=True)
class Verb:
    """One action: its Chinese label, the permission it needs, its parameters, its call."""

    name: str
    label: str
    permission: Permission
    params: tuple[str, ...]
    perform: Perform


def text_param(params: Params, name: str, label: str, *, required: bool = True,
               limit: int = 5000) -> str:
    """A trimmed text parameter, with a Chinese error when missing or too long."""
    value = params.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise InvalidInputError(f"missing {name}", f"请填写{label}。")
    if len(text) > limit:
        raise InvalidInputError(f"{name} too long", f"{label}过长（最多 {limit} 个字）。")
    return text


def flag_param(params: Params, name: str) -> bool:
    """A checkbox or JSON boolean."""
    value = params.get(name)
    return value is True or (isinstance(value, str) and value.lower() in ("1", "on", "true", "yes"))


def datetime_param(params: Params, name: str, zone: ZoneInfo) -> datetime:
    """``2026-11-27T10:00`` (desk time) or an ISO time with offset."""
    raw = text_param(params, name, "时间", limit=40)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as err:
        raise InvalidInputError("bad datetime", "时间格式不正确，例如 2026-11-27T10:00。") from err
    return value if value.tzinfo else value.replace(tzinfo=zone)


def enum_param(params: Params, name: str, enum: Any, label: str) -> Any:
    """A value of ``enum`` (value or Chinese label)."""
    raw = text_param(params, name, label, limit=40)
    for member in enum:
        if raw.lower() == member.value or raw == member.label:
            return member
    raise InvalidInputError(f"bad {name}", f"{label}的取值不正确。")


def _verbs() -> dict[str, Verb]:
    work, triage = Permission.WORK, Permission.TRIAGE
    table = [
        Verb("take", "受理", work, (), lambda a, n, s, p, z: a.take(n, s)),
        Verb("assign", "转派", triage, ("assignee",),
             lambda a, n, s, p, z: a.assign(n, s, text_param(p, "assignee", "处理人", limit=64))),
        Verb("set_severity", "设置级别", triage, ("severity",),
             lambda a, n, s, p, z: a.set_severity(n, s, enum_param(p, "severity", Severity, "级别"))),
        Verb("set_category", "设置类别", triage, ("category",),
             lambda a, n, s, p, z: a.set_category(n, s, enum_param(p, "category", Category, "类别"))),
        Verb("analysis_done", "分析完成", work, ("conclusion",),
             lambda a, n, s, p, z: a.analysis_done(n, s, text_param(p, "conclusion", "分析结论"))),
        Verb("set_plan", "制定方案", work, ("due_at", "plan"),
             lambda a, n, s, p, z: a.set_plan(n, s, datetime_param(p, "due_at", z),
                                              text_param(p, "plan", "处理方案"))),
        Verb("start_work", "开始处理", work, (), lambda a, n, s, p, z: a.start_work(n, s)),
        Verb("progress", "记录进展", work, ("text", "public"),
             lambda a, n, s, p, z: a.add_progress(n, s, text_param(p, "text", "进展"),
                                                  public=flag_param(p, "public"))),
        Verb("reply", "回复用户", work, ("text", "wait_for_answer"),
             lambda a, n, s, p, z: a.reply(n, s, text_param(p, "text", "回复内容"),
                                           wait_for_answer=flag_param(p, "wait_for_answer"))),
        Verb("resolve", "标记已解决", work, ("note",),
             lambda a, n, s, p, z: a.resolve(n, s, text_param(p, "note", "解决说明"))),
        Verb("reopen", "重新打开", work, ("reason",),
             lambda a, n, s, p, z: a.reopen(n, s, text_param(p, "reason", "重新打开的原因"))),
        Verb("merge", "合并为重复工单", triage, ("into",),
             lambda a, n, s, p, z: a.merge(n, s, text_param(p, "into", "目标工单号", limit=20))),
        Verb("escalate", "升级", triage, ("reason",),
             lambda a, n, s, p, z: a.escalate(n, s, text_param(p, "reason", "升级原因"))),
    ]
    return {verb.name: verb for verb in table}


VERBS: dict[str, Verb] = _verbs()


def available_verbs(actions: IncidentActions) -> dict[str, Verb]:
    """The verbs the running actions service offers (escalate only once it exists)."""
    return {name: verb for name, verb in VERBS.items()
            if name != "escalate" or callable(getattr(actions, "escalate", None))}


async def perform(actions: IncidentActions, verb_name: str, number: str, staff: Staff,
                  params: Params, zone: ZoneInfo) -> Incident:
    """Check the role and run the verb; unknown verbs are refused in Chinese."""
    verb = available_verbs(actions).get(verb_name)
    if verb is None:
        raise InvalidInputError(f"unknown verb {verb_name!r}", "不支持的操作。")
    staff.require(verb.permission)
    return await verb.perform(actions, number, staff, params, zone)
