"""Intake: one inbound message becomes a receipt, a contact, an incident entry and notices, atomically."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.clocks import ClockRules, schedule
from bot.domain.contact import Contact
from bot.domain.errors import UnknownIncidentError
from bot.domain.events import EventKind
from bot.domain.incident import Category, Incident, Status
from bot.domain.messages import ChannelKind, InboundMessage, NoticeKind
from bot.domain.sla import Severity, SlaPolicy
from bot.services import texts
from bot.services.notices import NoticeRenderer
from bot.services.clock import Clock
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

_MAX_TITLE = 60


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """What intake did with a message, for the channel to acknowledge and reply."""

    incident_number: str | None
    created: bool = False
    duplicate: bool = False
    skipped_reason: str | None = None
    reply_text: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeDefaults:
    """How new incidents start and which channels get an automatic acknowledgement."""

    severity: Severity
    category: Category
    acknowledge_on: frozenset[ChannelKind] = frozenset({ChannelKind.QQ, ChannelKind.EMAIL})


@dataclass
class IntakeService:
    """Turns InboundMessages into ledger entries; safe to call twice with the same message."""

    session_factory: async_sessionmaker[AsyncSession]
    policy: SlaPolicy
    clock: Clock
    defaults: IntakeDefaults
    renderer: NoticeRenderer
    rules: ClockRules = field(default_factory=ClockRules)
    on_committed: Callable[[], None] = lambda: None
    attempts: int = field(default=3)

    async def handle(self, msg: InboundMessage) -> IntakeResult:
        """Record ``msg`` exactly once; a redelivery returns the first outcome as a duplicate."""
        for attempt in range(1, self.attempts + 1):
            try:
                result = await self._handle_once(msg)
            except IntegrityError:
                # A concurrent delivery of the same message (receipt key) or a race on the
                # year's first number: the transaction rolled back; look again and retry.
                logger.info("intake conflict channel=%s external_id=%s attempt=%d",
                            msg.channel, msg.external_id, attempt)
                if attempt == self.attempts:
                    raise
                continue
            if not result.duplicate:
                self.on_committed()
            return result
        raise AssertionError("unreachable")

    async def _handle_once(self, msg: InboundMessage) -> IntakeResult:
        now = self.clock()
        async with UnitOfWork(self.session_factory) as uow:
            receipt = await uow.messages.receipt_for(msg.channel.value, msg.external_id)
            if receipt is not None:
                return await self._duplicate(uow, receipt.incident_id)
            receipt = await uow.messages.add_receipt(msg.channel.value, msg.external_id, at=now)
            contact = await uow.contacts.find_or_create(
                _identities(msg), name=msg.sender.name, unit=msg.sender.unit, now=now,
                learn=msg.channel in _PROVEN_IDENTITY)
            incident = await self._thread(uow, msg, contact)
            if incident is None and msg.automated:
                await uow.commit()
                logger.info("automated message not threaded, no incident channel=%s "
                            "external_id=%s", msg.channel, msg.external_id)
                return IntakeResult(None, skipped_reason="automated")
            created = incident is None
            if incident is None:
                incident = await self._open(uow, msg, contact)
            else:
                self._follow_up(incident, msg, contact)
            assert incident.id is not None
            receipt.incident_id = incident.id
            await uow.messages.add(
                incident_id=incident.id, direction="in", channel=msg.channel.value,
                text=msg.text, at=msg.received_at, external_id=msg.external_id,
                contact_id=contact.id, subject=msg.subject, attachments=msg.attachments,
                raw=msg.raw, author=contact.display_name)
            reply = await self._queue_notices(uow, msg, incident, created, now)
            schedule(incident, self.policy, self.rules)
            await uow.incidents.save(incident, now=now)
            await uow.commit()
        logger.info("intake incident=%s created=%s channel=%s", incident.number, created,
                    msg.channel)
        return IntakeResult(incident.number, created=created, reply_text=reply)

    async def _duplicate(self, uow: UnitOfWork, incident_id: int | None) -> IntakeResult:
        number = (await uow.incidents.by_id(incident_id)).number if incident_id else None
        return IntakeResult(number, duplicate=True)

    async def _thread(self, uow: UnitOfWork, msg: InboundMessage, contact: Contact
                      ) -> Incident | None:
        """The open incident this message continues, if any."""
        incident_id = await uow.messages.incident_for_keys(msg.channel.value, msg.thread_keys)
        if incident_id is None and msg.channel is ChannelKind.EMAIL:
            # In-Reply-To/References naming a notice we sent (outbox Message-ID).
            incident_id = await uow.mail.incident_for_message_ids(msg.thread_keys)
        incident = (await uow.incidents.by_id(incident_id, for_update=True) if incident_id
                    else None)
        if incident is None and msg.incident_number:
            incident = await self._by_named_number(uow, msg, contact)
        if incident is not None and not incident.is_open:
            logger.info("message names closed incident=%s; opening a new one", incident.number)
            return None
        return incident

    async def _by_named_number(self, uow: UnitOfWork, msg: InboundMessage, contact: Contact
                               ) -> Incident | None:
        assert msg.incident_number is not None
        try:
            incident = await uow.incidents.by_number(msg.incident_number, for_update=True)
        except UnknownIncidentError:
            return None
        # In mail a subject tag is easy to reuse; only the requester, a participant of the
        # incident's mail thread (e.g. on Cc) or staff may continue by tag (osTicket's rule).
        if msg.channel is ChannelKind.EMAIL and incident.requester_id != contact.id:
            address = msg.sender.email
            assert incident.id is not None
            if not (await uow.mail.is_participant(incident.id, address)
                    or (address and await uow.staff.by_email(address) is not None)):
                return None
        return incident

    async def _open(self, uow: UnitOfWork, msg: InboundMessage, contact: Contact) -> Incident:
        number = await uow.incidents.next_number(
            msg.received_at.astimezone(self.renderer.zone).year)
        category = self.defaults.category
        if msg.category:
            category = Category.from_text(msg.category)
        incident = Incident.open(
            number=number, title=_title(msg), description=msg.text, category=category,
            severity=msg.severity or self.defaults.severity, channel=msg.channel,
            requester_id=contact.id,
            reply_address=msg.reply_to, reported_at=msg.received_at,
            actor=contact.display_name, policy=self.policy,
            tracking_token=secrets.token_urlsafe(16))
        await uow.incidents.add(incident, now=self.clock())
        return incident

    def _follow_up(self, incident: Incident, msg: InboundMessage, contact: Contact) -> None:
        incident.record(EventKind.MESSAGE_RECEIVED, at=msg.received_at,
                        actor=contact.display_name, public=True, channel=msg.channel.value)
        # The requester answering ends the wait: the SLA clock runs again.
        if (incident.status is Status.WAITING_ON_REQUESTER
                and incident.requester_id == contact.id and not msg.automated):
            incident.transition(incident.resume_status or Status.IN_PROGRESS,
                                at=msg.received_at, actor=contact.display_name,
                                policy=self.policy, note="用户已反馈")
        if (msg.channel is ChannelKind.EMAIL and incident.status is Status.RESOLVED
                and incident.requester_id == contact.id and not msg.automated):
            self._confirm_by_mail(incident, msg, contact)

    def _confirm_by_mail(self, incident: Incident, msg: InboundMessage, contact: Contact) -> None:
        """The confirmation request asks mail users to answer 已解决 or 未解决 on line one."""
        verdict = confirmation_verdict(msg.text)
        if verdict is True:
            incident.confirm(at=msg.received_at, actor=contact.display_name, policy=self.policy)
        elif verdict is False:
            incident.transition(Status.IN_PROGRESS, at=msg.received_at,
                                actor=contact.display_name, policy=self.policy,
                                note=msg.text.strip()[:500] or "用户反馈未解决")

    async def _queue_notices(self, uow: UnitOfWork, msg: InboundMessage, incident: Incident,
                             created: bool, now: datetime) -> str | None:
        if msg.automated:
            return None
        if not created:
            return texts.follow_up_received(incident)
        assert incident.id is not None
        ack = None
        if msg.reply_to.kind in self.defaults.acknowledge_on and not msg.no_ack:
            ack = self.renderer.notice(NoticeKind.ACKNOWLEDGEMENT, incident,
                                       key=f"ack:{incident.number}", address=msg.reply_to)
        if ack is not None:
            await uow.outbox.add(ack, now=now, incident_id=incident.id)
            incident.record(EventKind.NOTICE_QUEUED, at=now, actor="system",
                            notice=ack.kind.value, channel=ack.address.kind.value)
            return ack.text
        return self.renderer.render(NoticeKind.ACKNOWLEDGEMENT, incident).text


# Channels whose sender identity the channel itself vouches for (the QQ account that spoke,
# the mail's From). Identities typed into a form prove nothing and link nothing.
_PROVEN_IDENTITY = frozenset({ChannelKind.QQ, ChannelKind.EMAIL})

_NOT_RESOLVED = ("未解决", "没解决", "没有解决", "还没解决", "仍未解决", "尚未解决", "还是不行")
_RESOLVED = ("已解决", "已经解决", "解决了", "确认解决", "问题已解决", "已修复")


def confirmation_verdict(text: str) -> bool | None:
    """True for 已解决, False for 未解决 on the first non-empty line, else None."""
    first = next((line.strip(" \t>：:，,。.!！") for line in text.splitlines() if line.strip()), "")
    if first.startswith(_NOT_RESOLVED):
        return False
    if first.startswith(_RESOLVED):
        return True
    return None


def _identities(msg: InboundMessage) -> list[tuple[str, str]]:
    """The sender's identities, the one its channel proves first (forms: email, then phone)."""
    pairs = msg.sender.identities()
    order = {ChannelKind.QQ: ("qq",), ChannelKind.EMAIL: ("email",)}.get(
        msg.channel, ("email", "phone", "qq"))
    return sorted(pairs, key=lambda pair: order.index(pair[0]) if pair[0] in order
                  else len(order))


def _title(msg: InboundMessage) -> str:
    first_line = next(iter(msg.text.strip().splitlines()), "")
    text = " ".join(((msg.subject or "").strip() or first_line).split())
    if not text:
        return "（无标题）"
    return text if len(text) <= _MAX_TITLE else text[: _MAX_TITLE - 1] + "…"
