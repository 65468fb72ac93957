"""Stored mail → InboundMessage: parse, quarantine, drop our own loops, relay staff replies, hand to intake."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.email_compose import mask_address
from bot.channels.email_ids import decode_own_message_id, notice_number
from bot.channels.email_loop import normalize_message_id
from bot.channels.email_parse import ParsedEmail, parse_email
from bot.domain.errors import DeskError
from bot.domain.messages import (
    Attachment, ChannelKind, InboundMessage, ReplyAddress, SenderIdentity,
)
from bot.domain.staff import Staff
from storage.files import FileStore
from storage.mail import MailState, StoredMail
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

_MAX_EXTERNAL_ID = 480


class IntakeOutcome(Protocol):
    """What the intake service reports back (bot.services.intake.IntakeResult)."""

    incident_number: str | None
    duplicate: bool
    skipped_reason: str | None


OnMessage = Callable[[InboundMessage], Awaitable[IntakeOutcome]]
Relay = Callable[[str, Staff, str], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class MailIdentity:
    """Who the desk is in mail, and the parser's limits."""

    own_addresses: frozenset[str]
    id_domain: str
    id_secret: str = ""
    max_attachment_bytes: int = 20 * 1024 * 1024


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID of raw mail bytes, read from the header block only."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    value = headers.get("message-id")
    return normalize_message_id(str(value)) if value is not None else None


def thread_ids(parsed: ParsedEmail) -> tuple[str, ...]:
    """Ids to thread by, newest first: a report's original, In-Reply-To, then References."""
    ids: list[str | None] = [parsed.original_message_id, parsed.in_reply_to,
                             *reversed(parsed.references)]
    return tuple(dict.fromkeys(i for i in ids if i))


def mail_to_inbound(parsed: ParsedEmail, *, mail: StoredMail, identity: MailIdentity,
                    attachments: tuple[Attachment, ...] = ()) -> InboundMessage:
    """The InboundMessage of one parsed mail (pure)."""
    keys = thread_ids(parsed)
    number = next((notice_number(tag) for tag in parsed.incident_tags if notice_number(tag)),
                  None)
    if number is None:
        own = (decode_own_message_id(k, domain=identity.id_domain, secret=identity.id_secret)
               for k in keys)
        number = next((n for n in own if n), None)
    external_id = parsed.message_id or ""
    if not external_id or len(external_id) > _MAX_EXTERNAL_ID:
        external_id = f"sha256:{mail.sha256}"
    answering = [a for _, a in parsed.reply_to if a and a not in identity.own_addresses]
    target = answering[0] if answering else parsed.from_address
    return InboundMessage(
        channel=ChannelKind.EMAIL, external_id=external_id,
        sender=SenderIdentity(name=parsed.from_name or None, email=parsed.from_address or None),
        reply_to=ReplyAddress(ChannelKind.EMAIL, target, thread=parsed.message_id),
        text=_text(parsed, replying=bool(keys or parsed.incident_tags)),
        received_at=mail.received_at, subject=parsed.subject or None,
        attachments=attachments, raw=mail.raw, incident_number=number, thread_keys=keys,
        automated=parsed.is_automated or not parsed.from_address,
        no_ack=parsed.no_ack_reason is not None)


def _text(parsed: ParsedEmail, *, replying: bool) -> str:
    # A reply keeps only what is new; a first mail keeps everything (a forward's history
    # is the report itself).
    text = (parsed.new_text if replying else parsed.full_text).strip() or parsed.full_text
    if parsed.is_bounce:
        return f"【退信】邮件未能送达。\n{text}".strip()
    if parsed.is_read_receipt:
        return f"【已读回执】\n{text}".strip()
    return text or "（邮件无正文）"


def own_loop_reason(parsed: ParsedEmail, identity: MailIdentity) -> str | None:
    """Why this mail is our own mail coming back, if it is."""
    if parsed.loop_marker:
        return "own-loop-header"
    if "own-message-id" in parsed.automated_reasons:
        return "own-message-id"
    if parsed.from_address in identity.own_addresses:
        return "own-address"
    return None


@dataclass
class EmailIntake:
    """Stores raw mail first, then processes each stored mail exactly once."""

    session_factory: async_sessionmaker[AsyncSession]
    on_message: OnMessage
    relay: Relay
    identity: MailIdentity
    clock: Callable[[], datetime]
    files: FileStore | None = None
    #: Failed (or crash-interrupted) processing attempts before a mail goes to the quarantine.
    max_failures: int = 5

    async def store(self, raw: bytes, *, mailbox: str, uidvalidity: int | None,
                    uid: int | None) -> StoredMail:
        """Store and commit ``raw`` unless any of its keys is known; return the stored mail."""
        message_id = header_message_id(raw)
        for attempt in (1, 2):
            try:
                async with UnitOfWork(self.session_factory) as uow:
                    mail, created = await uow.mail.store(
                        raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                        message_id=message_id, now=self.clock())
                    await uow.commit()
            except IntegrityError:
                if attempt == 2:
                    raise
                continue  # a concurrent store of the same mail: look again
            logger.debug("mail stored id=%s uid=%s new=%s", mail.id, uid, created)
            return mail
        raise AssertionError("unreachable")

    async def known_uids(self, mailbox: str, uidvalidity: int, uids: Iterable[int]
                         ) -> dict[int, MailState]:
        """Which server UIDs are stored already, with their state."""
        async with UnitOfWork(self.session_factory) as uow:
            return await uow.mail.known_uids(mailbox, uidvalidity, uids)

    async def process_pending(self) -> int:
        """Process every stored mail a crash left unprocessed; how many there were."""
        async with UnitOfWork(self.session_factory) as uow:
            pending = await uow.mail.pending()
        for mail_id in pending:
            await self.process(mail_id)
        return len(pending)

    async def reprocess(self, mail_id: int) -> MailState:
        """Process a quarantined (or any) stored mail again, e.g. after a fix.

        One attempt: if it fails again the mail goes straight back to the quarantine with
        the new error, and the desk sees the state rather than an exception.
        """
        async with UnitOfWork(self.session_factory) as uow:
            await uow.mail.requeue(mail_id)
            await uow.commit()
        return await self._attempt(mail_id, budget=1)

    async def process(self, mail_id: int) -> MailState:
        """Take one stored mail through to the ledger; a no-op when already done.

        A failure is recorded on the mail and raised (the receiver backs off and retries);
        the ``max_failures``-th failure moves the mail to the quarantine instead, so one
        mail that always fails (a database error, an intake bug) cannot block the mailbox.
        """
        return await self._attempt(mail_id, budget=self.max_failures)

    async def _attempt(self, mail_id: int, *, budget: int) -> MailState:
        async with UnitOfWork(self.session_factory) as uow:
            mail = await uow.mail.get(mail_id)
            if mail.state not in (MailState.STORED, MailState.RELAYING):
                return mail.state
            attempt = mail.attempts + 1
            if attempt <= budget:
                await uow.mail.begin_attempt(mail_id)
                await uow.commit()
        if attempt > budget:  # the earlier attempts failed, or a crash cut them short
            return await self._give_up(mail, (
                f"processing did not finish in {mail.attempts} attempts; last error: "
                f"{mail.error or 'none recorded (the process stopped mid-way)'}"))
        try:
            return await self._process(mail)
        except Exception as err:  # noqa: BLE001 - recorded on the mail; re-raised below
            error = f"{type(err).__name__}: {err}"
            if attempt >= budget:
                logger.exception("mail processing failed mail=%s attempt=%d/%d: quarantined",
                                 mail.id, attempt, budget)
                return await self._give_up(mail, error)
            async with UnitOfWork(self.session_factory) as uow:
                await uow.mail.note_failure(mail.id, error)
                await uow.commit()
            logger.warning("mail processing failed mail=%s attempt=%d/%d error=%s", mail.id,
                           attempt, budget, error[:200])
            raise

    async def _give_up(self, mail: StoredMail, error: str) -> MailState:
        await self._settle(mail, MailState.QUARANTINED, reason="processing-failed", error=error)
        logger.error("mail quarantined after failed processing mail=%s", mail.id)
        return MailState.QUARANTINED

    async def _process(self, mail: StoredMail) -> MailState:
        parsed = await self._parse(mail)
        if parsed is None:
            return MailState.QUARANTINED
        loop = own_loop_reason(parsed, self.identity)
        if loop is not None:
            await self._settle(mail, MailState.DROPPED, reason=loop)
            logger.info("own mail came back, dropped mail=%s reason=%s", mail.id, loop)
            return MailState.DROPPED
        if await self._relay_staff_reply(mail, parsed):
            return MailState.PROCESSED
        inbound = mail_to_inbound(parsed, mail=mail, identity=self.identity,
                                  attachments=self._save_attachments(parsed, mail))
        result = await self.on_message(inbound)
        reason = result.skipped_reason or (
            f"automated:{parsed.automated_reason}" if inbound.automated
            else f"no-ack:{parsed.no_ack_reason}" if inbound.no_ack else None)
        await self._settle(mail, MailState.PROCESSED, reason=reason,
                           number=result.incident_number, parsed=parsed)
        logger.info("mail processed mail=%s incident=%s from=%s automated=%s", mail.id,
                    result.incident_number, mask_address(parsed.from_address), inbound.automated)
        return MailState.PROCESSED

    async def _parse(self, mail: StoredMail) -> ParsedEmail | None:
        try:
            return parse_email(mail.raw, max_attachment_bytes=self.identity.max_attachment_bytes,
                               own_domains={self.identity.id_domain})
        except Exception as err:  # noqa: BLE001 - the parser is pure: any failure means this
            # mail cannot be read; it goes to the quarantine instead of blocking the mailbox.
            await self._settle(mail, MailState.QUARANTINED, error=f"{type(err).__name__}: {err}")
            logger.error("mail quarantined mail=%s error=%s", mail.id, type(err).__name__)
            return None

    async def _settle(self, mail: StoredMail, state: MailState, *, reason: str | None = None,
                      error: str | None = None, number: str | None = None,
                      parsed: ParsedEmail | None = None) -> None:
        async with UnitOfWork(self.session_factory) as uow:
            if number and parsed is not None:
                incident = await uow.incidents.by_number(number)
                assert incident.id is not None
                await uow.mail.add_participants(incident.id, self._participants(parsed))
            await uow.mail.set_state(mail.id, state, now=self.clock(), reason=reason,
                                     error=error, incident_number=number)
            await uow.commit()

    def _participants(self, parsed: ParsedEmail) -> list[str]:
        if parsed.is_automated:
            return []
        addresses = [parsed.from_address, *(a for _, a in parsed.to), *(a for _, a in parsed.cc)]
        return [a for a in addresses if a and a not in self.identity.own_addresses]

    def _save_attachments(self, parsed: ParsedEmail, mail: StoredMail) -> tuple[Attachment, ...]:
        saved = []
        for item in parsed.attachments:
            ref = None
            if self.files is not None and not item.too_large:
                ref = self.files.save(item.data, now=mail.received_at).ref
            saved.append(Attachment(item.safe_name, item.content_type, item.size, ref))
        return tuple(saved)

    async def _relay_staff_reply(self, mail: StoredMail, parsed: ParsedEmail) -> bool:
        """A staff member answering an incident's mail: record and relay it (notes item 6)."""
        if parsed.is_automated or not parsed.new_text.strip():
            return False
        async with UnitOfWork(self.session_factory) as uow:
            staff = await uow.staff.by_email(parsed.from_address)
            number = await self._thread_number(uow, parsed) if staff else None
            if staff is None or number is None:
                return False
            done = mail.state is MailState.RELAYING and await _already_relayed(
                uow, number, staff, parsed.new_text.strip(), mail.received_at)
            await uow.mail.set_state(mail.id, MailState.RELAYING, now=self.clock(),
                                     incident_number=number)
            await uow.commit()
        if not done:
            try:
                await self.relay(number, staff, parsed.new_text.strip())
            except DeskError as err:  # no permission, incident gone: keep it as a message
                logger.warning("staff reply not relayed incident=%s: %s", number, err)
                await self._settle(mail, MailState.STORED)
                return False
        await self._settle(mail, MailState.PROCESSED, reason="staff-reply", number=number,
                           parsed=parsed)
        logger.info("staff reply relayed incident=%s staff=%s", number, staff.username)
        return True

    async def _thread_number(self, uow: UnitOfWork, parsed: ParsedEmail) -> str | None:
        """The incident a staff mail answers: our ids, stored ids, then the subject tag."""
        keys = thread_ids(parsed)
        for key in keys:
            number = decode_own_message_id(key, domain=self.identity.id_domain,
                                           secret=self.identity.id_secret)
            if number:
                return number
        incident_id = (await uow.messages.incident_for_keys(ChannelKind.EMAIL.value, keys)
                       or await uow.mail.incident_for_message_ids(keys))
        if incident_id:
            return (await uow.incidents.by_id(incident_id)).number
        return next((notice_number(tag) for tag in parsed.incident_tags), None)


async def _already_relayed(uow: UnitOfWork, number: str, staff: Staff, text: str,
                           since: datetime) -> bool:
    """Whether a crash hit after the relay committed but before the mail was settled."""
    incident = await uow.incidents.by_number(number)
    assert incident.id is not None
    return any(m.direction == "out" and m.text == text and m.author == staff.display_name
               and m.at >= since for m in await uow.messages.for_incident(incident.id))
