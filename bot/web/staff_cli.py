"""``python -m bot staff add|list|passwd``: console accounts from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime, timezone

from bot.domain.errors import InvalidInputError
from bot.domain.staff import Staff
from bot.services.auth import add_staff, list_staff, parse_role, set_password
from config.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade


def read_new_password() -> str:
    """DESK_NEW_PASSWORD, else asked twice without echo."""
    from_env = os.environ.get("DESK_NEW_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("新密码：")
    if first != getpass.getpass("再输入一次："):
        raise InvalidInputError("passwords differ", "两次输入的密码不一致。")
    return first


async def run_staff_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run one staff subcommand against the configured database (migrating it first)."""
    engine = make_engine(settings.database_url())
    try:
        await upgrade(engine)
        factory = make_session_factory(engine)
        if args.staff_command == "list":
            for member in await list_staff(factory):
                state = "" if member.active else "（停用）"
                print(f"{member.username}\t{member.role.value}\t{member.display_name}{state}")
            return 0
        password = read_new_password()
        if args.staff_command == "passwd":
            await set_password(factory, args.username, password)
            print(f"已重设 {args.username} 的密码。")
            return 0
        staff = Staff(args.username.strip(), args.name.strip(), parse_role(args.role),
                      qq=args.qq, email=(args.email or "").strip().lower() or None)
        await add_staff(factory, staff, password=password, now=datetime.now(timezone.utc))
        print(f"已创建账号 {staff.username}（{staff.role.label}）。", file=sys.stdout)
        return 0
    finally:
        await engine.dispose()
