"""Configure the QQ channel on the NoneBot driver: state for /healthz, the outbound adapter."""

from __future__ import annotations

import logging
from typing import Any

from bot.domain.messages import ChannelKind
from bot.runtime import Runtime

logger = logging.getLogger(__name__)


def configure_qq_channel(runtime: Runtime, driver: Any) -> None:
    """Say whether QQ is on (forward or reverse WebSocket) or off, and why."""
    registry = runtime.registry
    urls = getattr(driver.config, "onebot_ws_urls", None)
    server = "fastapi" in type(driver).__module__ or "ASGIMixin" in str(type(driver).__mro__)
    if urls:
        registry.set_detail(ChannelKind.QQ, f"正向 WebSocket：{len(urls)} 个地址，等待连接")
    elif server:
        registry.set_detail(ChannelKind.QQ, "反向 WebSocket：等待 OneBot 实现连入 /onebot/v11/ws")
    else:
        registry.mark_off(ChannelKind.QQ, "未配置 ONEBOT_WS_URLS，QQ 渠道关闭")
        logger.warning("QQ channel off: ONEBOT_WS_URLS is not set")
