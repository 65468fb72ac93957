"""Start and stop the email channel: the IMAP receiver task and the SMTP sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain.messages import ChannelKind
from bot.runtime import Runtime

Stop = Callable[[], Awaitable[None]]


async def start_email_channel(runtime: Runtime) -> Stop | None:
    """Register the sender and start receiving; None (and the channel off) when unconfigured."""
    if not runtime.settings.email.enabled:
        runtime.registry.mark_off(ChannelKind.EMAIL, "未配置邮箱，邮件渠道关闭")
        return None
    runtime.registry.mark_off(ChannelKind.EMAIL, "邮件渠道尚未实现")
    return None
