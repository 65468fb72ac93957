"""NoneBot plugin of the service desk: thin matchers that hand QQ events to the services.

Commands come first, then anything addressed to the bot (reports and questions), then, in
groups configured for it, unaddressed questions the knowledge base is sure about. Each
matcher blocks the ones after it, so one message gets at most one answer.
"""

from nonebot import on_message
from nonebot.adapters.onebot.v11 import Bot, MessageEvent
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule
from nonebot.typing import T_State

from bot.runtime import get_runtime

from .commands import run_command
from .conversation import Conversation, guarded
from .reports import handle_addressed, handle_group_question
from .rules import COMMAND_KEY, is_addressed, is_command, is_group_question

__plugin_meta__ = PluginMetadata(
    name="网站群服务台",
    description="在 QQ 工作群里受理报修、回答常见问题、推送进度",
    usage="@机器人 描述问题；或发送“报修 问题描述”；发送“帮助”查看命令",
    type="application",
    supported_adapters={"~onebot.v11"},
)

command = on_message(rule=Rule(is_command), priority=5, block=True)
addressed = on_message(rule=Rule(is_addressed), priority=10, block=True)
question = on_message(rule=Rule(is_group_question), priority=20, block=True)


@command.handle()
async def _on_command(bot: Bot, event: MessageEvent, state: T_State) -> None:
    parsed = state[COMMAND_KEY]
    await guarded(Conversation(get_runtime(), bot, event), lambda talk: run_command(talk, parsed))


@addressed.handle()
async def _on_addressed(bot: Bot, event: MessageEvent) -> None:
    await guarded(Conversation(get_runtime(), bot, event), handle_addressed)


@question.handle()
async def _on_question(bot: Bot, event: MessageEvent) -> None:
    await guarded(Conversation(get_runtime(), bot, event), handle_group_question,
                  apologise=False)
