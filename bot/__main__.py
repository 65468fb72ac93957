"""The command line: ``python -m bot`` runs the desk; subcommands migrate, check and compute."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from bot.domain.sla import parse_severity
from config.settings import ConfigError, Settings, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run the chosen command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as err:
        print("配置有误，请逐条修改后重试：", file=sys.stderr)
        for problem in err.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    command = args.command or "run"
    if command == "check-config":
        return _check_config(settings)
    if command == "sla-due":
        return _sla_due(settings, args)
    if command == "migrate":
        return _migrate(settings)
    if command == "staff":
        return _staff(settings, args)
    from bot.main import run
    run(settings)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="网站群服务台 SiteDesk")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="运行服务（默认）")
    sub.add_parser("migrate", help="把数据库结构升级到最新版本")
    sub.add_parser("check-config", help="检查配置并列出所有问题")
    due = sub.add_parser("sla-due", help="计算响应时限和反馈单时限")
    due.add_argument("--severity", required=True, help="级别 L1–L5")
    due.add_argument("--at", required=True, help="报修时间，ISO 8601，如 2026-10-09T10:00+08:00")
    _staff_parser(sub)
    return parser


def _staff_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = sub.add_parser("staff", help="管理工作人员账号（密码取自 DESK_NEW_PASSWORD 或交互输入）")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    add = actions.add_parser("add", help="新建账号")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="desk、engineer、manager 或 admin")
    add.add_argument("--name", required=True, help="显示名")
    add.add_argument("--qq")
    add.add_argument("--email")
    actions.add_parser("list", help="列出账号")
    passwd = actions.add_parser("passwd", help="重设密码并解除锁定")
    passwd.add_argument("username")


def _staff(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.errors import DeskError
    from bot.web.staff_cli import run_staff_command

    try:
        return asyncio.run(run_staff_command(settings, args))
    except DeskError as err:
        print(err.user_message, file=sys.stderr)
        return 2


def _check_config(settings: Settings) -> int:
    from bot.main import build_calendar
    from config.calendar import coverage_report

    calendar = build_calendar(settings)
    print(f"配置有效（来源：{settings.source}）")
    print(f"数据库：{_mask(settings.database_url())}")
    print(f"网页：http://{settings.web.host}:{settings.web.port}")
    year = datetime.now(settings.desk.zone()).year
    for y, source in coverage_report(calendar, (year, year + 1)).items():
        note = "（无官方数据，按周末及固定节日估算）" if source == "estimated" else ""
        print(f"日历 {y}：{source}{note}")
    return 0


def _sla_due(settings: Settings, args: argparse.Namespace) -> int:
    from bot.main import build_calendar, build_policy

    try:
        severity = parse_severity(args.severity)
        reported_at = datetime.fromisoformat(args.at)
        if reported_at.tzinfo is None:
            raise ValueError("时间必须带时区，如 +08:00")
    except ValueError as err:
        print(f"参数有误：{err}", file=sys.stderr)
        return 2
    policy = build_policy(settings, build_calendar(settings))
    zone = settings.desk.zone()
    print(policy.response_due(severity, reported_at).astimezone(zone).isoformat())
    print(policy.feedback_form_due(reported_at).astimezone(zone).isoformat())
    return 0


def _migrate(settings: Settings) -> int:
    from storage.db import make_engine
    from storage.migrate import upgrade

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def go() -> None:
        engine = make_engine(settings.database_url())
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(go())
    except (OSError, ConnectionError) as err:
        print(f"无法连接数据库 {_mask(settings.database_url())}：{err}", file=sys.stderr)
        return 1
    print(f"数据库已是最新结构：{_mask(settings.database_url())}")
    return 0


def _mask(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
