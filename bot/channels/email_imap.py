"""One IMAP connection with aioimaplib: every call under a timeout, thrown away on any failure."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeVar

from aioimaplib import aioimaplib

from bot.domain.errors import DeskError

logger = logging.getLogger(__name__)

T = TypeVar("T")
_UID = re.compile(rb"UID (\d+)")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_PERMANENTFLAGS = re.compile(rb"PERMANENTFLAGS \(([^)]*)\)")
_PUSH_NEWS = re.compile(rb"^\d+ (EXISTS|RECENT)\b")


class ImapError(DeskError):
    """The IMAP session failed (refused, timed out, BYE, lost, or a NO/BAD answer): reconnect."""


@dataclass(frozen=True, slots=True)
class ImapConfig:
    """Where the service mailbox is and how it is worked."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    tls: Literal["implicit", "plain"] = "implicit"
    mailbox: str = "INBOX"
    mark_mode: Literal["keyword", "move"] = "keyword"
    keyword: str = "$SiteDeskDone"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Failed"
    command_timeout: timedelta = timedelta(seconds=30)
    idle_timeout: timedelta = timedelta(minutes=9)
    poll_interval: timedelta = timedelta(seconds=60)
    initial_backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=5)
    batch_size: int = 20


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_fetch(lines: list[Any]) -> dict[int, bytes]:
    """Raw bodies by UID from a UID FETCH answer; the literal arrives as a bytearray and the
    UID may come before or after it (notes/email.md §1.1)."""
    found: dict[int, bytes] = {}
    pending: bytes | None = None
    header = b""
    for item in lines:
        if isinstance(item, bytearray):
            pending = bytes(item)
            continue
        line = bytes(item)
        if pending is not None:
            match = _UID.search(header) or _UID.search(line)
            if match:
                found[int(match.group(1))] = pending
            pending = None
        header = line
    return found


class ImapConnection:
    """A logged-in, selected session. Any failure raises ImapError; then discard the object."""

    def __init__(self, config: ImapConfig) -> None:
        self._config = config
        self._lost = asyncio.Event()
        self._client: aioimaplib.IMAP4 | None = None
        self.uidvalidity = 0
        self.keywords_ok = True

    @property
    def client(self) -> aioimaplib.IMAP4:
        """The live aioimaplib client."""
        if self._client is None:
            raise ImapError("not connected")
        return self._client

    async def open(self) -> None:
        """Connect, log in and select the mailbox."""
        config, timeout = self._config, self._config.command_timeout.total_seconds()
        if config.tls == "implicit":
            # A fresh SSL context per connection (notes §1.1: a reused one stalled).
            client = aioimaplib.IMAP4_SSL(host=config.host, port=config.port, timeout=timeout,
                                          ssl_context=ssl.create_default_context())
            client.protocol.conn_lost_cb = self._on_lost
        else:
            client = aioimaplib.IMAP4(host=config.host, port=config.port, timeout=timeout,
                                      conn_lost_cb=self._on_lost)
        self._client = client
        await self._call(client.wait_hello_from_server(), "connect")
        self._check(await self._call(client.login(config.user, config.password), "LOGIN"),
                    "LOGIN")
        await self.select()

    def _on_lost(self, _exc: Exception | None) -> None:
        self._lost.set()

    async def select(self) -> None:
        """SELECT the mailbox; read UIDVALIDITY and whether keywords can be stored."""
        response = self._check(await self._call(self.client.select(_quote(self._config.mailbox)),
                                                "SELECT"), "SELECT")
        text = b"\n".join(bytes(line) for line in response.lines if isinstance(line, bytes))
        match = _UIDVALIDITY.search(text)
        if match is None:
            raise ImapError("SELECT gave no UIDVALIDITY")
        self.uidvalidity = int(match.group(1))
        flags = _PERMANENTFLAGS.search(text)
        permanent = flags.group(1).decode("ascii", "replace") if flags else "\\*"
        self.keywords_ok = "\\*" in permanent or self._config.keyword in permanent.split()

    def has(self, capability: str) -> bool:
        """Whether the server announced ``capability``."""
        return bool(self.client.has_capability(capability))

    async def search_unmarked(self) -> list[int]:
        """UIDs still in the work queue: without our keyword, or (move mode) all of them."""
        if self._config.mark_mode == "keyword" and self.keywords_ok:
            criteria = ("UNKEYWORD", self._config.keyword)
        else:
            criteria = ("ALL",)
        response = self._check(await self._call(self.client.uid_search(*criteria, charset=None),
                                                "UID SEARCH"), "UID SEARCH")
        first = response.lines[0] if response.lines else b""
        return sorted({int(t) for t in bytes(first).split() if t.isdigit()})

    async def fetch(self, uids: list[int]) -> dict[int, bytes]:
        """The raw bytes of ``uids``; never sets \\Seen (BODY.PEEK, RFC 3501 §6.4.5)."""
        response = self._check(await self._call(
            self.client.uid("fetch", ",".join(map(str, uids)), "(UID BODY.PEEK[])"),
            "UID FETCH"), "UID FETCH")
        return parse_fetch(response.lines)

    async def mark(self, uids: list[int], *, quarantined: bool = False) -> None:
        """Take ``uids`` out of the work queue: our keyword, or a move to a folder."""
        if not uids:
            return
        uid_set = ",".join(map(str, uids))
        config = self._config
        if config.mark_mode == "keyword":
            if self.keywords_ok:
                await self._uid("store", uid_set, "+FLAGS.SILENT", f"({config.keyword})")
            return  # without keyword support the database alone remembers what is done
        folder = _quote(config.quarantine_folder if quarantined else config.processed_folder)
        if self.has("MOVE"):
            await self._uid("move", uid_set, folder)  # RFC 6851
            return
        await self._uid("copy", uid_set, folder)
        await self._uid("store", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        if self.has("UIDPLUS"):
            await self._uid("expunge", uid_set)  # RFC 4315: only our messages

    async def wait_for_news(self, *, idle: bool) -> None:
        """Return when new mail may have arrived: an IDLE push, or the poll interval."""
        if not idle:
            await self._call(asyncio.sleep(self._config.poll_interval.total_seconds()), "poll",
                             timeout=self._config.poll_interval.total_seconds() + 5)
            self._check(await self._call(self.client.noop(), "NOOP"), "NOOP")
            return
        await self._idle_once()

    async def _idle_once(self) -> None:
        client, window = self.client, self._config.idle_timeout.total_seconds()
        idle = await self._call(client.idle_start(timeout=window), "IDLE")
        while True:
            push = await self._call(client.wait_server_push(timeout=window + 30), "IDLE push",
                                    timeout=window + 60)
            lines = [bytes(line) for line in (push if isinstance(push, list) else [])]
            if any(line.startswith(b"BYE") for line in lines):
                raise ImapError("server said BYE during IDLE")
            if lines == aioimaplib.STOP_WAIT_SERVER_PUSH or any(
                    _PUSH_NEWS.match(line) for line in lines):
                break
            # "OK Still here" and flag updates are keepalives, not mail.
        client.idle_done()
        self._check(await self._call(idle, "IDLE DONE"), "IDLE")

    async def close(self) -> None:
        """Log out (briefly) and drop the transport; never raises."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            # During IDLE a LOGOUT would wait behind it; just drop the transport then.
            if not self._lost.is_set() and not client.has_pending_idle():
                await asyncio.wait_for(client.logout(), 2)
        except (asyncio.TimeoutError, OSError, aioimaplib.AioImapException):
            pass
        finally:
            transport = getattr(client.protocol, "transport", None)
            if transport is not None:
                transport.close()
            waiter = getattr(client, "_idle_waiter", None)
            if waiter is not None:
                waiter.cancel()
            for task in list(getattr(client, "tasks", ())) + list(client.protocol.tasks):
                task.cancel()

    async def _uid(self, command: str, *args: str) -> None:
        self._check(await self._call(self.client.uid(command, *args), f"UID {command.upper()}"),
                    f"UID {command.upper()}")

    async def _call(self, awaitable: Awaitable[T], what: str, *,
                    timeout: float | None = None) -> T:
        """Await under a timeout, racing the lost-connection event (notes §1.1 trap a)."""
        if self._lost.is_set():
            raise ImapError(f"connection lost before {what}")
        work = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self._lost.wait())
        limit = timeout if timeout is not None else self._config.command_timeout.total_seconds()
        try:
            done, _ = await asyncio.wait({work, lost}, timeout=limit,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if work not in done:
            work.cancel()
            reason = "connection lost" if self._lost.is_set() else f"timeout after {limit:.0f}s"
            raise ImapError(f"{what}: {reason}")
        try:
            return work.result()
        except (OSError, asyncio.TimeoutError, aioimaplib.AioImapException) as err:
            raise ImapError(f"{what}: {type(err).__name__}: {err}") from err

    def _check(self, response: Any, what: str) -> Any:
        """One place for aioimaplib's status-return API (style §2.4)."""
        if getattr(response, "result", None) != "OK":
            lines = getattr(response, "lines", [])
            detail = bytes(lines[-1])[:200] if lines else b""
            raise ImapError(f"{what} failed: {getattr(response, 'result', '?')} {detail!r}")
        return response
