"""Processing stored mail on SQLite and PostgreSQL: failures are counted and end in the
quarantine instead of blocking the mailbox; mail that asks for no auto-reply opens silently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.exc import DataError

from bot.channels.email_intake import EmailIntake, MailIdentity
from bot.channels.email_service import quarantine_count
from bot.domain.incident import Category
from bot.domain.messages import InboundMessage
from bot.domain.sla import Severity, SlaPolicy
from bot.services.intake import IntakeDefaults, IntakeService
from bot.services.notices import NoticeRenderer
from storage.mail import MailState
from storage.models import IncidentRow, OutboxRow
from storage.unit_of_work import UnitOfWork

AT = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
IDENTITY = MailIdentity(own_addresses=frozenset({"desk@sitedesk.test"}),
                        id_domain="sitedesk.test")


def _raw(n: int, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return (f"From: user{n}@school.edu.cn\r\nTo: desk@sitedesk.test\r\n"
            f"Message-ID: <m{n}@school.edu.cn>\r\nSubject: 网站故障 {n}\r\n{extra}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n第 {n} 个网站打不开。\r\n").encode()


@dataclass
class Outcome:
    incident_number: str | None = "2026-0001"
    duplicate: bool = False
    skipped_reason: str | None = None


class FlakyIntake:
    """on_message that raises for chosen subjects (a database error, say) until fixed."""

    def __init__(self, failing: str, error: BaseException) -> None:
        self.failing, self.error, self.calls, self.seen = failing, error, 0, []

    async def __call__(self, msg: InboundMessage) -> Outcome:
        self.calls += 1
        if self.failing and self.failing in (msg.subject or ""):
            raise self.error
        self.seen.append(msg.subject)
        return Outcome(incident_number=None)


async def _relay(*_args: object) -> None:
    raise AssertionError("no staff here")


def _intake(factory: async_sessionmaker[AsyncSession], on_message: FlakyIntake,
            max_failures: int = 5) -> EmailIntake:
    return EmailIntake(session_factory=factory, on_message=on_message, relay=_relay,
                       identity=IDENTITY, clock=lambda: AT, max_failures=max_failures)


async def _store(intake: EmailIntake, n: int, *headers: str) -> int:
    mail = await intake.store(_raw(n, *headers), mailbox="INBOX", uidvalidity=1, uid=n)
    return mail.id


async def test_a_mail_that_keeps_failing_goes_to_the_quarantine_and_the_rest_flows(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    error = DataError("INSERT INTO messages ...", {}, Exception("value too long"))
    on_message = FlakyIntake("网站故障 1", error)
    intake = _intake(session_factory, on_message, max_failures=3)
    poison, good = await _store(intake, 1), await _store(intake, 2)
    # The receiver retries with backoff: each pass starts with the pending mails in order.
    for attempt in (1, 2):
        with pytest.raises(DataError):
            await intake.process_pending()
        async with UnitOfWork(session_factory) as uow:
            mail = await uow.mail.get(poison)
        assert (mail.state, mail.attempts) == (MailState.STORED, attempt)
        assert mail.error and "value too long" in mail.error
    assert await intake.process_pending() == 2  # third failure: quarantined, next one flows
    assert on_message.seen == ["网站故障 2"] and on_message.calls == 4
    async with UnitOfWork(session_factory) as uow:
        mail = await uow.mail.get(poison)
        assert await uow.mail.pending() == []
        assert [m.id for m in await uow.mail.quarantined()] == [poison]
        assert (await uow.mail.get(good)).state is MailState.PROCESSED
        assert await quarantine_count(uow) == 1  # what the daily digest reports
    assert (mail.state, mail.reason, mail.attempts) == (
        MailState.QUARANTINED, "processing-failed", 3)
    assert mail.error is not None and mail.error.startswith("DataError:")
    assert "value too long" in mail.error
    # Processing it again is a no-op; the desk reprocesses it once the cause is fixed.
    assert await intake.process(poison) is MailState.QUARANTINED
    on_message.failing = ""
    assert await intake.reprocess(poison) is MailState.PROCESSED
    async with UnitOfWork(session_factory) as uow:
        mail = await uow.mail.get(poison)
    assert (mail.state, mail.error, mail.attempts) == (MailState.PROCESSED, None, 1)


async def test_reprocessing_that_fails_again_goes_straight_back_with_the_new_error(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    on_message = FlakyIntake("网站故障 1", RuntimeError("intake bug"))
    intake = _intake(session_factory, on_message, max_failures=1)
    poison = await _store(intake, 1)
    assert await intake.process(poison) is MailState.QUARANTINED
    on_message.error = RuntimeError("still broken")
    assert await intake.reprocess(poison) is MailState.QUARANTINED  # no exception for the desk
    async with UnitOfWork(session_factory) as uow:
        mail = await uow.mail.get(poison)
    assert mail.error == "RuntimeError: still broken" and mail.attempts == 1


async def test_attempts_cut_short_by_a_crash_count_too(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    """A mail that kills the process mid-way (no except clause runs) cannot loop for ever."""
    on_message = FlakyIntake("网站故障 1", asyncio.CancelledError())  # stands in for a kill
    intake = _intake(session_factory, on_message, max_failures=2)
    poison = await _store(intake, 1)
    for _ in range(2):
        with pytest.raises(asyncio.CancelledError):
            await intake.process(poison)
    assert await intake.process(poison) is MailState.QUARANTINED
    assert on_message.calls == 2  # the third attempt did not run it again
    async with UnitOfWork(session_factory) as uow:
        mail = await uow.mail.get(poison)
    assert mail.reason == "processing-failed"
    assert mail.error is not None and "did not finish in 2 attempts" in mail.error


@pytest.fixture
def intake_service(session_factory: async_sessionmaker[AsyncSession], policy: SlaPolicy,
                   clock: object) -> IntakeService:
    return IntakeService(
        session_factory=session_factory, policy=policy, clock=clock,  # type: ignore[arg-type]
        defaults=IntakeDefaults(severity=Severity.L4, category=Category.FAULT),
        renderer=NoticeRenderer(ZoneInfo("Asia/Shanghai"),
                                tracking_url=lambda i: f"http://desk.example/t/{i.tracking_token}"))


@pytest.mark.parametrize(("headers", "acked"), [
    ((), True),
    (("X-Auto-Response-Suppress: OOF, AutoReply",), False),
    (("X-Auto-Response-Suppress: All",), False),
    (("X-Auto-Response-Suppress: DR, RN",), True),
    (("Auto-Submitted: no", "Precedence: bulk"), False),
])
async def test_mail_asking_for_no_auto_reply_opens_an_incident_without_ack(
        session_factory: async_sessionmaker[AsyncSession], intake_service: IntakeService,
        headers: tuple[str, ...], acked: bool) -> None:
    intake = EmailIntake(session_factory=session_factory, on_message=intake_service.handle,
                         relay=_relay, identity=IDENTITY, clock=lambda: AT)
    mail_id = await _store(intake, 1, *headers)
    assert await intake.process(mail_id) is MailState.PROCESSED
    async with session_factory() as session:
        incidents = (await session.execute(select(func.count()).select_from(IncidentRow))
                     ).scalar_one()
        outbox = (await session.execute(select(OutboxRow.kind))).scalars().all()
    assert incidents == 1
    assert outbox == (["acknowledgement"] if acked else [])
    async with UnitOfWork(session_factory) as uow:
        mail = await uow.mail.get(mail_id)
    assert mail.incident_number == "2026-0001"
    assert (mail.reason or "").startswith("no-ack:") is not acked


async def test_no_ack_message_still_gets_the_reply_text(
        intake_service: IntakeService) -> None:
    """Intake returns the acknowledgement text (for a chat reply) but queues no notice."""
    from bot.domain.messages import ChannelKind, ReplyAddress, SenderIdentity

    msg = InboundMessage(channel=ChannelKind.EMAIL, external_id="m1@school.edu.cn",
                         sender=SenderIdentity(name="张三", email="zhang@school.edu.cn"),
                         reply_to=ReplyAddress(ChannelKind.EMAIL, "zhang@school.edu.cn"),
                         text="网站打不开", received_at=AT, no_ack=True)
    result = await intake_service.handle(msg)
    assert result.created and result.reply_text and "2026-0001" in result.reply_text
    async with UnitOfWork(intake_service.session_factory) as uow:
        assert (await uow.outbox.count_by_state()) == {}
