"""Start and stop the email channel: the IMAP receiver task and the SMTP sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.email_compose import Sender, mask_address
from bot.channels.email_imap import ImapConfig
from bot.channels.email_intake import EmailIntake, MailIdentity
from bot.channels.imap_receiver import Checkpoint, ImapReceiver
from bot.channels.smtp_sender import SmtpChannel, SmtpConfig
from bot.domain.messages import ChannelKind
from bot.runtime import Runtime
from storage.mail import MailState, StoredMail
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

Stop = Callable[[], Awaitable[None]]


def smtp_config(settings: Any) -> SmtpConfig:
    """SmtpConfig from the [email] settings (SMTP account defaults to the IMAP one)."""
    return SmtpConfig(
        host=settings.smtp_host or settings.imap_host, port=settings.smtp_port,
        tls=settings.smtp_tls,
        sender=Sender(settings.sender_address, settings.from_name, settings.sender_address),
        id_domain=settings.id_domain,
        username=(settings.smtp_user or settings.user) if settings.smtp_auth else "",
        password=((settings.smtp_password.get_secret_value()
                   or settings.password.get_secret_value()) if settings.smtp_auth else ""),
        id_secret=settings.message_id_secret.get_secret_value(),
        timeout=settings.smtp_timeout.amount, validate_certs=settings.validate_certs,
        own_addresses=settings.our_addresses(), rate_window=settings.rate_window.amount,
        rate_per_recipient=settings.rate_per_recipient,
        rate_per_incident=settings.rate_per_incident)


def imap_config(settings: Any) -> ImapConfig:
    """ImapConfig from the [email] settings."""
    return ImapConfig(
        host=settings.imap_host, port=settings.imap_port, user=settings.user,
        password=settings.password.get_secret_value(), tls=settings.imap_tls,
        mailbox=settings.mailbox, mark_mode=settings.mark_mode,
        keyword=settings.processed_keyword, processed_folder=settings.processed_folder,
        quarantine_folder=settings.quarantine_folder,
        command_timeout=settings.command_timeout.amount,
        idle_timeout=settings.idle_timeout.amount, poll_interval=settings.poll_interval.amount,
        max_backoff=settings.max_backoff.amount)


def build_email_intake(runtime: Runtime) -> EmailIntake:
    """The stored-mail processor wired to the runtime's intake and actions."""
    settings = runtime.settings.email
    identity = MailIdentity(own_addresses=settings.our_addresses(), id_domain=settings.id_domain,
                            id_secret=settings.message_id_secret.get_secret_value(),
                            max_attachment_bytes=settings.max_attachment_mb * 1024 * 1024)
    return EmailIntake(session_factory=runtime.session_factory, on_message=runtime.intake.handle,
                       relay=runtime.actions.reply, identity=identity, clock=runtime.clock,
                       files=runtime.files, max_failures=settings.max_processing_failures)


async def start_email_channel(runtime: Runtime, *, checkpoint: Checkpoint | None = None
                              ) -> Stop | None:
    """Register the sender and start receiving; None (and the channel off) when unconfigured."""
    settings = runtime.settings.email
    if not settings.enabled:
        runtime.registry.mark_off(ChannelKind.EMAIL, "未配置邮箱，邮件渠道关闭")
        return None
    registry = runtime.registry
    registry.register(SmtpChannel(smtp_config(settings), clock=runtime.clock),
                      detail="邮件渠道启动中")
    receiver = ImapReceiver(imap_config(settings), build_email_intake(runtime),
                            on_status=lambda text: registry.set_detail(ChannelKind.EMAIL, text),
                            checkpoint=checkpoint)
    task = asyncio.create_task(receiver.run(), name="imap-receiver")
    logger.info("email channel started mailbox=%s imap=%s:%s", mask_address(settings.user),
                settings.imap_host, settings.imap_port)

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        logger.info("email channel stopped")
    return stop


async def quarantine_count(uow: UnitOfWork) -> int:
    """How many stored mails are in the quarantine (the digest's count)."""
    return (await uow.mail.count_by_state()).get(MailState.QUARANTINED.value, 0)


async def quarantined_mails(runtime: Runtime, *, limit: int = 100) -> list[StoredMail]:
    """Mails that could not be parsed or kept failing, newest first (for the web console)."""
    async with UnitOfWork(runtime.session_factory) as uow:
        return await uow.mail.quarantined(limit=limit)


async def reprocess(runtime: Runtime, mail_id: int) -> MailState:
    """Process a stored (e.g. quarantined) mail again; the desk presses this in the console."""
    state = await build_email_intake(runtime).reprocess(mail_id)
    logger.info("mail reprocessed mail=%s state=%s", mail_id, state.value)
    return state
