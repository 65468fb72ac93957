"""QQ commands in Chinese: the command table, parsing (pure) and the help text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.incident import INCIDENT_NUMBER_RE, format_incident_number


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its key, the words that call it, who may use it and how."""

    name: str
    words: tuple[str, ...]
    staff: bool
    usage: str
    summary: str
    needs_number: bool = True
    needs_text: bool = False


COMMANDS: Final[tuple[CommandSpec, ...]] = (
    CommandSpec("help", ("帮助", "help", "菜单", "命令"), False, "帮助", "查看命令说明",
                needs_number=False),
    CommandSpec("show", ("查询", "查工单", "进度"), False, "查询 <工单号>", "查看工单状态"),
    CommandSpec("mine", ("我的工单",), False, "我的工单", "列出我报修的未关闭工单",
                needs_number=False),
    CommandSpec("confirm", ("确认解决", "确认已解决"), False, "确认解决 <工单号>",
                "确认问题已解决（只有确认后才算解决）"),
    CommandSpec("not_resolved", ("未解决", "没解决"), False, "未解决 <工单号> [原因]",
                "问题没有解决，重新打开工单"),
    CommandSpec("take", ("受理", "认领", "接单"), True, "受理 <工单号>", "认领工单，由您负责到底"),
    CommandSpec("assign", ("指派",), True, "指派 <工单号> <用户名>", "指派给其他工作人员",
                needs_text=True),
    CommandSpec("severity", ("定级",), True, "定级 <工单号> <L1–L5>", "设置严重级别",
                needs_text=True),
    CommandSpec("category", ("分类",), True, "分类 <工单号> <类别>",
                "设置类别（故障、咨询、局部修改…）", needs_text=True),
    CommandSpec("analysis", ("分析完成",), True, "分析完成 <工单号> <结论>",
                "记录分析完成", needs_text=True),
    CommandSpec("plan", ("方案",), True, "方案 <工单号> <YYYY-MM-DD [HH:MM]> <方案>",
                "记录处理方案和计划完成时间", needs_text=True),
    CommandSpec("start", ("开始处理",), True, "开始处理 <工单号>", "按方案开始处理"),
    CommandSpec("progress", ("进展",), True, "进展 <工单号> <内容>", "记录进展并通知报修人",
                needs_text=True),
    CommandSpec("reply", ("回复",), True, "回复 <工单号> <内容>", "回复报修人", needs_text=True),
    CommandSpec("resolve", ("解决",), True, "解决 <工单号> <说明>", "标记已解决，请报修人确认",
                needs_text=True),
    CommandSpec("reopen", ("重开",), True, "重开 <工单号> <原因>", "重新打开工单",
                needs_text=True),
    CommandSpec("merge", ("合并",), True, "合并 <工单号> <目标工单号>", "作为重复工单合并",
                needs_text=True),
    CommandSpec("escalate", ("升级",), True, "升级 <工单号> [原因]", "升级给服务经理"),
    CommandSpec("todo", ("我的待办", "待办"), True, "我的待办", "列出我负责的未关闭工单",
                needs_number=False),
    CommandSpec("overdue", ("超时工单", "逾期工单", "超时"), True, "超时工单",
                "列出已超过时限的工单", needs_number=False),
)

# Longest word first, so that 未解决 is not read as 解决 and 我的待办 not as 待办.
_BY_WORD: Final = sorted(((w, spec) for spec in COMMANDS for w in spec.words),
                         key=lambda pair: -len(pair[0]))
_LEADING_NUMBER: Final = re.compile(r"^[#＃]?\s*" + INCIDENT_NUMBER_RE.pattern)
_DEADLINE: Final = re.compile(
    r"^(?P<date>(?:20\d{2}[-/.])?\d{1,2}[-/.]\d{1,2})(?:[ T](?P<time>\d{1,2}[:：]\d{2}))?(?=\s|$)")


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: which one, the incident it names and the rest of the text."""

    spec: CommandSpec
    number: str | None
    text: str

    @property
    def name(self) -> str:
        """The command's key, e.g. ``take``."""
        return self.spec.name


class CommandError(Exception):
    """A command was recognised but is malformed; ``user_message`` says how to write it."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def strip_prefix(text: str, prefixes: list[str] | tuple[str, ...]) -> tuple[str, bool]:
    """The text without a leading command prefix, and whether there was one."""
    text = text.strip()
    for prefix in prefixes:
        if prefix and text.startswith(prefix):
            return text[len(prefix):].lstrip(), True
    return text, False


def parse_command(text: str) -> Command | None:
    """Read ``text`` (prefix already stripped) as a command; None when it is not one.

    A command word must stand alone: followed by a space, the end, or an incident number,
    so that "解决不了" is a message, not the resolve command. Raises CommandError when the
    word is right but the arguments are missing.
    """
    text = text.strip()
    for word, spec in _BY_WORD:
        if not text.lower().startswith(word.lower()):
            continue
        rest = text[len(word):]
        if rest and not rest[0].isspace() and not _LEADING_NUMBER.match(rest):
            continue
        return _arguments(spec, rest.strip())
    return None


def _arguments(spec: CommandSpec, rest: str) -> Command:
    number = None
    if spec.needs_number:
        match = _LEADING_NUMBER.match(rest)
        if match is None:
            raise CommandError(f"请写明工单号。用法：{spec.usage}（工单号如 2026-0001）")
        number = format_incident_number(int(match.group(1)), int(match.group(2)))
        rest = rest[match.end():].strip()
    if spec.needs_text and not rest:
        raise CommandError(f"内容不完整。用法：{spec.usage}")
    return Command(spec, number, rest)


def parse_deadline(text: str, *, now: datetime, zone: ZoneInfo,
                   day_end: time = time(17, 0)) -> tuple[datetime, str]:
    """Split ``2026-12-01 17:00 方案…`` into an aware deadline and the remaining text.

    A date without a time means the end of the duty day; a date without a year is the next
    such date from ``now``.
    """
    match = _DEADLINE.match(text.strip())
    if match is None:
        raise CommandError("请写明计划完成时间，如 2026-12-01 17:00 或 12-01。")
    parts = [int(p) for p in re.split(r"[-/.]", match["date"])]
    local_now = now.astimezone(zone)
    year, month, day = parts if len(parts) == 3 else [local_now.year, *parts]
    hour, minute = (day_end.hour, day_end.minute)
    if match["time"]:
        hour, minute = (int(p) for p in re.split(r"[:：]", match["time"]))
    try:
        due = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError as err:
        raise CommandError(f"日期“{match.group(0)}”无效。") from err
    if len(parts) == 2 and due < local_now - timedelta(days=1):
        due = due.replace(year=year + 1)
    return due, text.strip()[match.end():].strip()


def help_text(*, staff: bool, keyword: str = "报修") -> str:
    """The command list people read; staff also see the staff commands."""
    lines = ["【网站群服务台】",
             f"报修：@我 描述问题，或发送“{keyword} 问题描述”（可附截图）。",
             "补充信息：回复我发出的工单消息，或在消息里写上工单号。",
             "", "常用命令："]
    lines += [f"  {spec.usage} —— {spec.summary}" for spec in COMMANDS if not spec.staff]
    if staff:
        lines += ["", "工作人员命令："]
        lines += [f"  {spec.usage} —— {spec.summary}" for spec in COMMANDS if spec.staff]
    lines.append("群里使用命令请 @我 或在命令前加 /，如 /查询 2026-0001")
    return "\n".join(lines)
