"""The IMAP receiver: IDLE or poll, store raw first, process, then mark on the server; reconnect with backoff."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Protocol

from bot.channels.email_imap import ImapConfig, ImapConnection, ImapError
from storage.mail import MailState, StoredMail

logger = logging.getLogger(__name__)

#: Called at "stored" (raw committed) and "processed" (ledger committed) for each UID, before
#: the mail is marked on the server; tests use it to kill the receiver at exactly those points.
Checkpoint = Callable[[str, int], Awaitable[None]]
_DONE = frozenset({MailState.PROCESSED, MailState.DROPPED, MailState.QUARANTINED})


class MailSink(Protocol):
    """Where fetched mail goes (bot.channels.email_intake.EmailIntake)."""

    async def store(self, raw: bytes, *, mailbox: str, uidvalidity: int | None,
                    uid: int | None) -> StoredMail: ...

    async def known_uids(self, mailbox: str, uidvalidity: int, uids: Iterable[int]
                         ) -> dict[int, MailState]: ...

    async def process(self, mail_id: int) -> MailState: ...

    async def process_pending(self) -> int: ...


def backoff_delay(attempt: int, *, initial: timedelta, cap: timedelta,
                  rng: random.Random) -> float:
    """Seconds to wait before reconnect ``attempt`` (1-based): doubling, capped, jittered."""
    ceiling = min(cap.total_seconds(), initial.total_seconds() * 2 ** min(attempt - 1, 30))
    return ceiling / 2 + ceiling / 2 * rng.random()


class ImapReceiver:
    """Runs until cancelled; any failure discards the connection and reconnects later."""

    def __init__(self, config: ImapConfig, sink: MailSink, *,
                 on_status: Callable[[str], None] = lambda _text: None,
                 checkpoint: Checkpoint | None = None,
                 rng: random.Random | None = None) -> None:
        self._config = config
        self._sink = sink
        self._on_status = on_status
        self._checkpoint = checkpoint
        self._rng = rng or random.Random()
        self.connections = 0
        self.cycles = 0

    async def run(self) -> None:
        """Receive forever (the task root: failures are logged, then retried with backoff)."""
        failures = 0
        while True:
            connection = ImapConnection(self._config)
            self.cycles = 0
            error: Exception = ImapError("session ended")
            try:
                await self._session(connection)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - task root (style §2.4)
                error = err
            finally:
                await connection.close()
            failures = 1 if self.cycles else failures + 1  # healthy since: start small again
            delay = backoff_delay(failures, initial=self._config.initial_backoff,
                                  cap=self._config.max_backoff, rng=self._rng)
            self._log_failure(error, failures, delay)
            self._on_status(f"连接中断，{delay:.0f} 秒后重连（第 {failures} 次）")
            await asyncio.sleep(delay)

    async def run_once(self) -> None:
        """One connection, one scan, no waiting (tools, benchmarks and tests)."""
        connection = ImapConnection(self._config)
        try:
            await connection.open()
            await self._sink.process_pending()
            await self._scan(connection)
        finally:
            await connection.close()

    def _log_failure(self, err: Exception, failures: int, delay: float) -> None:
        if isinstance(err, ImapError):
            log = logger.warning if failures == 1 else logger.info
            log("imap session ended host=%s error=%s retry_in=%.1fs attempt=%d",
                self._config.host, err, delay, failures)
        else:
            logger.exception("imap receiver failed host=%s retry_in=%.1fs attempt=%d",
                             self._config.host, delay, failures)

    async def _session(self, connection: ImapConnection) -> None:
        await connection.open()
        self.connections += 1
        idle = connection.has("IDLE")
        mode = "IDLE" if idle else "轮询"
        logger.info("imap connected host=%s mailbox=%s mode=%s uidvalidity=%s",
                    self._config.host, self._config.mailbox, "idle" if idle else "poll",
                    connection.uidvalidity)
        self._on_status(f"已连接（{mode}）")
        await self._sink.process_pending()
        while True:
            await self._scan(connection)
            self.cycles += 1
            await connection.wait_for_news(idle=idle)

    async def _scan(self, connection: ImapConnection) -> None:
        """Everything still in the work queue: store, process, mark, in UID order."""
        uids = await connection.search_unmarked()
        if not uids:
            return
        mailbox, validity = self._config.mailbox, connection.uidvalidity
        known = await self._sink.known_uids(mailbox, validity, uids)
        # Stored and settled before a crash, never marked: just mark them now.
        await self._mark(connection, {u: s for u, s in known.items() if s in _DONE})
        todo = [u for u in uids if u not in known]
        logger.debug("imap scan found=%d new=%d", len(uids), len(todo))
        size = max(1, self._config.batch_size)
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            raws = await connection.fetch(batch)
            states: dict[int, MailState] = {}
            for uid in batch:
                if uid in raws:  # gone meanwhile (moved by a person): fine, nothing to do
                    states[uid] = await self._take(raws[uid], mailbox, validity, uid)
            await self._mark(connection, states)

    async def _take(self, raw: bytes, mailbox: str, validity: int, uid: int) -> MailState:
        mail = await self._sink.store(raw, mailbox=mailbox, uidvalidity=validity, uid=uid)
        if self._checkpoint is not None:
            await self._checkpoint("stored", uid)
        state = await self._sink.process(mail.id)
        if self._checkpoint is not None:
            await self._checkpoint("processed", uid)
        return state

    async def _mark(self, connection: ImapConnection, states: dict[int, MailState]) -> None:
        quarantined = sorted(u for u, s in states.items() if s is MailState.QUARANTINED)
        done = sorted(u for u, s in states.items() if s in _DONE and u not in quarantined)
        await connection.mark(done)
        await connection.mark(quarantined, quarantined=True)
