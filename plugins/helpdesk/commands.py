"""QQ commands: requester and staff verbs, each a call into the incident actions service."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.channels.qq_commands import Command, CommandError, help_text, parse_deadline
from bot.domain.errors import DeskError, InvalidInputError
from bot.domain.incident import Category, Incident, find_incident_number
from bot.domain.sla import parse_severity
from bot.domain.staff import Staff
from bot.services.texts import format_local
from storage.qq_queries import QqQueries
from storage.unit_of_work import UnitOfWork

from .conversation import Conversation

logger = logging.getLogger(__name__)

NOT_STAFF = "抱歉，该命令仅限服务台工作人员使用。如需报修，请发送“报修 问题描述”。"
FAILED = "操作失败，请稍后再试或联系服务台。"


@dataclass
class Call:
    """A parsed command with the conversation it came from and who sent it."""

    talk: Conversation
    command: Command
    staff: Staff | None

    @property
    def number(self) -> str:
        """The incident number the command names."""
        assert self.command.number is not None
        return self.command.number


Handler = Callable[[Call], Awaitable[str]]


async def run_command(talk: Conversation, parsed: Command | CommandError) -> None:
    """Check who may run it, run it once, and answer with the outcome or a clear error."""
    if isinstance(parsed, CommandError):
        await talk.say(parsed.user_message)
        return
    if not await talk.claim():
        logger.info("QQ redelivered command ignored external_id=%s", talk.external_id)
        return
    staff = await talk.staff()
    if parsed.spec.staff and staff is None:
        logger.warning("staff command refused command=%s qq=%s scene=%s", parsed.name,
                       talk.qq, talk.scene)
        await talk.say(NOT_STAFF)
        return
    await talk.say(await _outcome(Call(talk, parsed, staff)))


async def _outcome(call: Call) -> str:
    try:
        return await HANDLERS[call.command.name](call)
    except CommandError as err:
        return err.user_message
    except DeskError as err:
        logger.info("QQ command %s refused: %s", call.command.name, err)
        return err.user_message
    except ValueError as err:  # parse_severity and friends: bilingual, Chinese first
        return str(err).split(" / ")[0]
    except Exception:
        logger.exception("QQ command %s failed", call.command.name)
        return FAILED


def _line(incident: Incident, zone: ZoneInfo) -> str:
    due = incident.response_due_at or incident.plan_due_at
    tail = f"，时限 {format_local(due, zone)}" if due else ""
    return (f"{incident.number}【{incident.status.label}】{incident.severity.value.upper()} "
            f"{incident.title}{tail}")


def _zone(call: Call) -> ZoneInfo:
    """The desk's zone, in which deadlines are shown."""
    return call.talk.runtime.settings.desk.zone()


# -- requester ---------------------------------------------------------------------------


async def _help(call: Call) -> str:
    return help_text(staff=call.staff is not None,
                     keyword=call.talk.runtime.settings.qq.keywords[0])


async def _show(call: Call) -> str:
    async with UnitOfWork(call.talk.runtime.session_factory) as uow:
        incident = await uow.incidents.by_number(call.number)
        contact = await uow.contacts.find([("qq", call.talk.qq)])
    if call.staff is None and (contact is None or incident.requester_id != contact.id):
        return "只能查询您自己报修的工单。"
    return _line(incident, _zone(call))


async def _mine(call: Call) -> str:
    async with UnitOfWork(call.talk.runtime.session_factory) as uow:
        contact = await uow.contacts.find([("qq", call.talk.qq)])
        incidents = await uow.incidents.by_requester(contact.id) if contact and contact.id else []
    if not incidents:
        return "您没有未关闭的工单。"
    return "您的未关闭工单：\n" + "\n".join(_line(i, _zone(call)) for i in incidents)


async def _requester_id(call: Call) -> int:
    contact_id = await call.talk.contact_id()
    if contact_id is None:
        raise CommandError("没有找到您报修的工单，请核对工单号。")
    return contact_id


async def _confirm(call: Call) -> str:
    contact_id = await _requester_id(call)
    await call.talk.runtime.actions.confirm(call.number, contact_id, call.talk.name)
    return f"已确认工单 {call.number} 问题解决，工单关闭。感谢您的反馈！"


async def _not_resolved(call: Call) -> str:
    contact_id = await _requester_id(call)
    await call.talk.runtime.actions.not_resolved(call.number, contact_id, call.talk.name,
                                                 call.command.text)
    return f"工单 {call.number} 已重新打开，工程师会继续处理。"


# -- staff -------------------------------------------------------------------------------


def _staff(call: Call) -> Staff:
    assert call.staff is not None
    return call.staff


async def _take(call: Call) -> str:
    incident = await call.talk.runtime.actions.take(call.number, _staff(call))
    return f"已受理工单 {incident.number}，负责人：{incident.owner}。"


async def _assign(call: Call) -> str:
    username = call.command.text.split()[0].lstrip("@")
    incident = await call.talk.runtime.actions.assign(call.number, _staff(call), username)
    return f"工单 {incident.number} 已指派给 {incident.assignee}。"


async def _severity(call: Call) -> str:
    severity = parse_severity(call.command.text.split()[0])
    incident = await call.talk.runtime.actions.set_severity(call.number, _staff(call), severity)
    return (f"工单 {incident.number} 级别已改为 {severity.value.upper()}，响应时限："
            f"{format_local(incident.response_due_at, _zone(call))}。")


async def _category(call: Call) -> str:
    category = Category.from_text(call.command.text.split()[0])
    await call.talk.runtime.actions.set_category(call.number, _staff(call), category)
    return f"工单 {call.number} 类别已改为“{category.label}”。"


async def _analysis(call: Call) -> str:
    await call.talk.runtime.actions.analysis_done(call.number, _staff(call), call.command.text)
    return f"已记录工单 {call.number} 分析完成，并通知报修人。"


async def _plan(call: Call) -> str:
    runtime = call.talk.runtime
    due, plan = parse_deadline(call.command.text, now=runtime.clock(),
                               zone=runtime.settings.desk.zone(),
                               day_end=runtime.settings.desk.duty_end)
    if not plan:
        raise CommandError("请写明处理方案。用法：" + call.command.spec.usage)
    await runtime.actions.set_plan(call.number, _staff(call), due, plan)
    return f"已记录工单 {call.number} 的处理方案，计划完成：{due.strftime('%Y-%m-%d %H:%M')}。"


async def _start(call: Call) -> str:
    await call.talk.runtime.actions.start_work(call.number, _staff(call))
    return f"工单 {call.number} 已开始处理。"


async def _progress(call: Call) -> str:
    await call.talk.runtime.actions.add_progress(call.number, _staff(call), call.command.text)
    return f"已记录工单 {call.number} 的进展，并通知报修人。"


async def _reply(call: Call) -> str:
    await call.talk.runtime.actions.reply(call.number, _staff(call), call.command.text)
    return f"已回复工单 {call.number} 的报修人。"


async def _resolve(call: Call) -> str:
    await call.talk.runtime.actions.resolve(call.number, _staff(call), call.command.text)
    return f"工单 {call.number} 已标记解决，已请报修人确认。"


async def _reopen(call: Call) -> str:
    await call.talk.runtime.actions.reopen(call.number, _staff(call), call.command.text)
    return f"工单 {call.number} 已重新打开。"


async def _merge(call: Call) -> str:
    into = find_incident_number(call.command.text)
    if into is None:
        raise InvalidInputError("merge target missing", "请写明目标工单号，如 合并 2026-0002 2026-0001")
    await call.talk.runtime.actions.merge(call.number, _staff(call), into)
    return f"工单 {call.number} 已作为重复工单合并到 {into}。"


async def _escalate(call: Call) -> str:
    escalate = getattr(call.talk.runtime.actions, "escalate", None)
    if escalate is None:
        return "暂不支持通过 QQ 升级工单，请联系服务经理。"
    await escalate(call.number, _staff(call), call.command.text or "QQ 手动升级")
    return f"工单 {call.number} 已升级。"


async def _todo(call: Call) -> str:
    async with UnitOfWork(call.talk.runtime.session_factory) as uow:
        incidents = await QqQueries(uow.session).open_for_staff(_staff(call).username)
    if not incidents:
        return "您没有未关闭的工单。"
    return "您负责的未关闭工单：\n" + "\n".join(_line(i, _zone(call)) for i in incidents)


async def _overdue(call: Call) -> str:
    runtime = call.talk.runtime
    async with UnitOfWork(runtime.session_factory) as uow:
        incidents = await QqQueries(uow.session).overdue(runtime.clock())
    if not incidents:
        return "目前没有超时的工单。"
    return "已超时的工单：\n" + "\n".join(_line(i, _zone(call)) for i in incidents)


HANDLERS: dict[str, Handler] = {
    "help": _help, "show": _show, "mine": _mine, "confirm": _confirm,
    "not_resolved": _not_resolved, "take": _take, "assign": _assign, "severity": _severity,
    "category": _category, "analysis": _analysis, "plan": _plan, "start": _start,
    "progress": _progress, "reply": _reply, "resolve": _resolve, "reopen": _reopen,
    "merge": _merge, "escalate": _escalate, "todo": _todo, "overdue": _overdue,
}
