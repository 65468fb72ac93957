"""Configure the QQ channel on the NoneBot driver: the outbound adapter, state for /healthz.

Notices for QQ wait in the outbox while no bot is connected (the QqChannel raises a transient
error); when a bot connects, the waiting ones are made due and the delivery job is kicked.
"""

from __future__ import annotations

import logging
from typing import Any

from nonebot.adapters import Bot
from nonebot.adapters.onebot.v11.config import Config as OneBotConfig
from nonebot import get_plugin_config
from nonebot.drivers import ASGIMixin

from bot.channels.qq import QqChannel, QqSendOptions
from bot.channels.qq_throttle import Pace, QqThrottle
from bot.domain.messages import ChannelKind
from bot.runtime import Runtime
from config.qq_settings import QqSettings
from storage.qq_queries import QqQueries
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)


def build_qq_channel(settings: QqSettings, **kwargs: Any) -> QqChannel:
    """A QqChannel paced and shaped by the [qq] settings (``kwargs`` go to the throttle)."""
    window = settings.burst_window.amount.total_seconds()
    throttle = QqThrottle(
        Pace(settings.account_interval.amount.total_seconds(), settings.account_burst, window),
        Pace(settings.group_interval.amount.total_seconds(), settings.group_burst, window),
        max_wait=settings.max_wait.amount.total_seconds(), **kwargs)
    options = QqSendOptions(max_message_length=settings.max_message_length,
                            private_notices=settings.private_notices,
                            staff_group=settings.staff_group,
                            risk_backoff=settings.risk_backoff.amount)
    return QqChannel(throttle, options)


def forward_ws_urls() -> list[str]:
    """The OneBot forward WebSocket targets, read as the adapter reads them (ONEBOT_WS_URLS)."""
    return sorted(str(url) for url in get_plugin_config(OneBotConfig).onebot_ws_urls)


def configure_qq_channel(runtime: Runtime, driver: Any) -> None:
    """Register the QQ sender when QQ is on (forward or reverse WebSocket), else say why not."""
    registry = runtime.registry
    urls = forward_ws_urls()
    server = isinstance(driver, ASGIMixin)
    if not urls and not server:
        registry.mark_off(ChannelKind.QQ, "未配置 ONEBOT_WS_URLS，QQ 渠道关闭")
        logger.warning("QQ channel off: ONEBOT_WS_URLS is not set")
        return
    waiting = (f"正向 WebSocket：{len(urls)} 个地址，等待连接" if urls
               else "反向 WebSocket：等待 OneBot 实现连入 /onebot/v11/ws")
    registry.register(build_qq_channel(runtime.settings.qq), detail=waiting)
    if not runtime.settings.qq.groups:
        logger.warning("QQ channel: no groups configured ([qq] groups); only private chats")

    async def connected(bot: Bot) -> None:
        registry.set_detail(ChannelKind.QQ, f"已连接（QQ {bot.self_id}）")
        logger.info("QQ bot connected self_id=%s", bot.self_id)
        await wake_waiting_notices(runtime)

    async def disconnected(bot: Bot) -> None:
        registry.set_detail(ChannelKind.QQ, "连接已断开，等待重连；通知暂存于发件箱")
        logger.warning("QQ bot disconnected self_id=%s", bot.self_id)

    driver.on_bot_connect(connected)
    driver.on_bot_disconnect(disconnected)


async def wake_waiting_notices(runtime: Runtime) -> int:
    """Make QQ notices that were waiting for the connection due now, then kick delivery."""
    async with UnitOfWork(runtime.session_factory) as uow:
        woken = await QqQueries(uow.session).wake_pending(ChannelKind.QQ.value, runtime.clock())
        await uow.commit()
    if woken:
        logger.info("QQ reconnected: %d waiting notice(s) due now", woken)
    runtime.intake.on_committed()
    return woken
