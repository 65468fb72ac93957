"""Helpers shared by the email integration tests: the SMTP sink, mail builders, waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bot.runtime import Runtime
from dovecot import PASSWORD, USER, Dovecot, free_port

DESK_ADDRESS = "desk@sitedesk.test"
REPO_ROOT_HINT = Path(__file__).resolve().parents[3]
ID_DOMAIN = "sitedesk.test"


class Capture:
    """aiosmtpd handler that keeps every message; can refuse for a while."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An aiosmtpd Controller that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Capture()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[bytes]:
        return [content for _, _, content in self.handler.envelopes]


def desk_environ(tmp_path: Path, dovecot: Dovecot, smtp_port: int, db_url: str,
                 **extra: str) -> dict[str, str]:
    """DESK_* variables of a desk wired to the test servers."""
    env = {
        "DESK_DATABASE__URL": db_url, "DESK_DESK__DATA_DIR": str(tmp_path / "data"),
        "DESK_EMAIL__IMAP_HOST": "127.0.0.1", "DESK_EMAIL__IMAP_PORT": str(dovecot.port),
        "DESK_EMAIL__IMAP_TLS": "plain", "DESK_EMAIL__USER": USER,
        "DESK_EMAIL__PASSWORD": PASSWORD, "DESK_EMAIL__SMTP_HOST": "127.0.0.1",
        "DESK_EMAIL__SMTP_PORT": str(smtp_port), "DESK_EMAIL__SMTP_TLS": "plain", "DESK_EMAIL__SMTP_AUTH": "false",
        "DESK_EMAIL__FROM_ADDRESS": DESK_ADDRESS, "DESK_EMAIL__MESSAGE_ID_DOMAIN": ID_DOMAIN,
        "DESK_EMAIL__COMMAND_TIMEOUT": "5s", "DESK_EMAIL__IDLE_TIMEOUT": "30s",
        "DESK_EMAIL__POLL_INTERVAL": "1s", "DESK_EMAIL__MAX_BACKOFF": "1s",
    }
    env.update({f"DESK_EMAIL__{k.upper()}": v for k, v in extra.items()})
    return env


RuntimeFactory = Callable[..., Awaitable[Runtime]]


def make_mail(subject: str, body: str, *, sender: str = "zhang.san@school.edu.cn",
              sender_name: str = "张三", to: str = DESK_ADDRESS, cc: str | None = None,
              in_reply_to: str | None = None, headers: dict[str, str] | None = None,
              charset: str = "utf-8") -> tuple[bytes, str]:
    """A mail as a person's client would send it, and its Message-ID (no brackets)."""
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>"
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    message_id = make_msgid(domain="school.edu.cn")
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body, charset=charset)
    return msg.as_bytes(), message_id.strip("<>")


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout: float = 10.0,
                     what: str = "condition") -> None:
    """Poll ``check`` until it holds (integration tests wait on real servers)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
