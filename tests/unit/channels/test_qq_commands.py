"""Command parsing (pure): words, numbers, arguments, errors, deadlines and help text."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.channels.qq_commands import (
    COMMANDS, CommandError, help_text, parse_command, parse_deadline, strip_prefix,
)

CST = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text, name, number, rest", [
    ("受理 2026-0001", "take", "2026-0001", ""),
    ("受理2026-1", None, None, None),  # not a number: 2026-1 is too short → not a command
    ("认领 #2026-0007", "take", "2026-0007", ""),
    ("未解决 2026-0001 还是打不开", "not_resolved", "2026-0001", "还是打不开"),
    ("解决 2026-0001 已清理缓存", "resolve", "2026-0001", "已清理缓存"),
    ("确认解决 2026-0001", "confirm", "2026-0001", ""),
    ("我的工单", "mine", None, ""),
    ("我的待办", "todo", None, ""),
    ("定级 2026-0003 L2", "severity", "2026-0003", "L2"),
    ("帮助", "help", None, ""),
    ("解决不了啊 网站打不开", None, None, None),
    ("网站打不开了", None, None, None),
])
def test_parse_command(text: str, name: str | None, number: str | None, rest: str | None) -> None:
    command = parse_command(text)
    if name is None:
        assert command is None
        return
    assert command is not None
    assert (command.name, command.number, command.text) == (name, number, rest)


@pytest.mark.parametrize("text, fragment", [
    ("受理", "请写明工单号"),
    ("回复 2026-0001", "内容不完整"),
    ("指派 2026-0001", "用法：指派 <工单号> <用户名>"),
])
def test_malformed_commands_explain_usage(text: str, fragment: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(text)
    assert fragment in info.value.user_message


def test_strip_prefix() -> None:
    assert strip_prefix("/查询 2026-0001", ["/", "#"]) == ("查询 2026-0001", True)
    assert strip_prefix("查询 2026-0001", ["/"]) == ("查询 2026-0001", False)


def test_parse_deadline_forms() -> None:
    now = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
    due, rest = parse_deadline("2026-12-01 10:30 更换证书", now=now, zone=CST)
    assert due == datetime(2026, 12, 1, 10, 30, tzinfo=CST) and rest == "更换证书"
    due, _ = parse_deadline("12-01 重启服务", now=now, zone=CST)
    assert due == datetime(2026, 12, 1, 17, 0, tzinfo=CST)
    due, _ = parse_deadline("1-5 迁移", now=now, zone=CST)
    assert due == datetime(2027, 1, 5, 17, 0, tzinfo=CST)
    with pytest.raises(CommandError):
        parse_deadline("明天 重启", now=now, zone=CST)
    with pytest.raises(CommandError):
        parse_deadline("2026-02-30 x", now=now, zone=CST)


def test_help_text_shows_staff_commands_only_to_staff() -> None:
    public, staff = help_text(staff=False), help_text(staff=True)
    assert "查询 <工单号>" in public and "受理 <工单号>" not in public
    assert all(spec.usage in staff for spec in COMMANDS)
