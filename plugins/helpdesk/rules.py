"""Matcher rules: where the bot listens, when it is addressed, what is a command."""

from __future__ import annotations

import logging

from nonebot.adapters.onebot.v11 import GroupMessageEvent, MessageEvent
from nonebot.typing import T_State

from bot.channels.qq import plain_text, strip_keyword
from bot.channels.qq_commands import CommandError, parse_command, strip_prefix
from bot.runtime import Runtime, get_runtime
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

COMMAND_KEY = "helpdesk_command"


def _runtime() -> Runtime | None:
    try:
        return get_runtime()
    except RuntimeError:
        return None


async def listened(event: MessageEvent) -> bool:
    """Configured groups, and private chats with staff or known contacts; never ourselves."""
    runtime = _runtime()
    if runtime is None or str(event.user_id) == str(event.self_id):
        return False
    if isinstance(event, GroupMessageEvent):
        return runtime.settings.qq.listens_to_group(event.group_id)
    if event.message_type != "private":
        return False
    async with UnitOfWork(runtime.session_factory) as uow:
        known = (await uow.staff.by_qq(str(event.user_id)) is not None
                 or await uow.contacts.find([("qq", str(event.user_id))]) is not None)
    if not known:
        logger.info("private message from an unknown QQ user ignored")
    return known


def _text(event: MessageEvent) -> str:
    return plain_text(event.message, self_id=str(event.self_id))


async def is_command(event: MessageEvent, state: T_State) -> bool:
    """A command word, addressed (@bot, private) or written with a prefix such as /."""
    runtime = _runtime()
    if runtime is None or not await listened(event):
        return False
    text, prefixed = strip_prefix(_text(event), runtime.settings.qq.command_prefixes)
    if not (event.to_me or prefixed):
        return False
    try:
        command = parse_command(text)
    except CommandError as err:
        state[COMMAND_KEY] = err
        return True
    if command is None:
        return False
    state[COMMAND_KEY] = command
    return True


async def is_addressed(event: MessageEvent) -> bool:
    """Spoken to: @bot, a reply to the bot, private, or a leading report keyword."""
    runtime = _runtime()
    if runtime is None or not await listened(event):
        return False
    return event.to_me or strip_keyword(_text(event), runtime.settings.qq.keywords)[1]


async def is_group_question(event: MessageEvent) -> bool:
    """Any other message in a group whose questions are answered without an @."""
    runtime = _runtime()
    return (runtime is not None and isinstance(event, GroupMessageEvent)
            and event.group_id in runtime.settings.qq.answer_groups
            and str(event.user_id) != str(event.self_id)
            and getattr(runtime, "knowledge", None) is not None)
