"""SQLAlchemy table definitions; rows only, the domain never sees them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
    MetaData, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The largest id an INTEGER primary key holds; look-ups beyond it are "not found", not errors.
MAX_ROW_ID = 2**31 - 1


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (Alembic-friendly)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ContactRow(Base):
    """A requester."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(200))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactIdentityRow(Base):
    """A QQ id, email address or phone number that belongs to one contact."""

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_contact_identities_kind_value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))


class IncidentCounterRow(Base):
    """The last sequence number handed out per year."""

    __tablename__ = "incident_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class IncidentRow(Base):
    """One incident of the ledger, with every running deadline as a column."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_next_due_at", "next_due_at"),
        Index("ix_incidents_status_reported_at", "status", "reported_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    reply_kind: Mapped[str | None] = mapped_column(String(16))
    reply_target: Mapped[str | None] = mapped_column(String(320))
    reply_thread: Mapped[str | None] = mapped_column(String(500))
    reply_mention: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(64), index=True)
    assignee: Mapped[str | None] = mapped_column(String(64))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    resolution: Mapped[str | None] = mapped_column(String(32))
    duplicate_of: Mapped[str | None] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    response_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_paused_wall_s: Mapped[float] = mapped_column(Float, default=0.0)
    sla_paused_work_s: Mapped[float] = mapped_column(Float, default=0.0)
    resume_status: Mapped[str | None] = mapped_column(String(32))
    feedback_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    plan_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmation_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    analysis_done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_escalation_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    feedback_stage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    plan_stage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirmation_reminders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    auto_close_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    tracking_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TimelineEventRow(Base):
    """One entry of an incident's audit trail."""

    __tablename__ = "timeline_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class MessageRow(Base):
    """A message exchanged on an incident, inbound or outbound, with its raw payload."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(500), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    author: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class InboundReceiptRow(Base):
    """Proof that a channel's message was taken in; the unique key makes redelivery a no-op."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_receipts_channel_external_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))


class OutboxRow(Base):
    """A notice waiting to be sent, being sent, sent, or dead."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
                      Index("ix_outbox_external_id", "external_id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(320))
    thread: Mapped[str | None] = mapped_column(String(500))
    mention: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    incident_number: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StaffRow(Base):
    """A member of the service team, with login state for the console."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    qq: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class KbQueryRow(Base):
    """One question put to the knowledge base, what it decided, and what came of it."""

    __tablename__ = "kb_queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    query: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16))
    article_id: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str | None] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)


class WebSessionRow(Base):
    """A staff console login; only the SHA-256 of the cookie value is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class MailRow(Base):
    """One inbound mail exactly as fetched, stored and committed before anything else."""

    __tablename__ = "mails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    incident_number: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MailKeyRow(Base):
    """A key that identifies a stored mail: mailbox+UIDVALIDITY+UID, Message-ID or sha256."""

    __tablename__ = "mail_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(600), unique=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("mails.id"), index=True)


class MailParticipantRow(Base):
    """An address that took part in an incident's mail thread (From, To or Cc)."""

    __tablename__ = "mail_participants"
    __table_args__ = (
        UniqueConstraint("incident_id", "address", name="uq_mail_participants_incident_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    address: Mapped[str] = mapped_column(String(320))
