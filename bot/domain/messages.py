"""Messages crossing the channel boundary: what came in, where replies go, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.sla import Severity


class ChannelKind(StrEnum):
    """The ways a request can reach the desk and a notice can leave it."""

    QQ = "qq"
    EMAIL = "email"
    WEB = "web"
    PHONE = "phone"
    API = "api"

    @property
    def label(self) -> str:
        """Chinese name shown to people."""
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    ChannelKind.QQ: "QQ群",
    ChannelKind.EMAIL: "邮件",
    ChannelKind.WEB: "网页报修",
    ChannelKind.PHONE: "电话",
    ChannelKind.API: "接口",
}


@dataclass(frozen=True, slots=True)
class ReplyAddress:
    """Where a reply goes, as plain data that survives a restart.

    ``target`` is channel-specific text: ``group:123456`` or ``private:10001`` for QQ, an
    address for email, a tracking token for the web. ``thread`` carries what threads the
    reply (a QQ message id to quote, the Message-ID to answer). ``mention`` is who to @.
    """

    kind: ChannelKind
    target: str
    thread: str | None = None
    mention: str | None = None


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    """Who sent a message, as far as the channel knows."""

    name: str | None = None
    qq: str | None = None
    email: str | None = None
    phone: str | None = None
    unit: str | None = None

    def identities(self) -> list[tuple[str, str]]:
        """The (kind, normalised value) pairs that can link this sender to a contact."""
        pairs: list[tuple[str, str]] = []
        if self.qq:
            pairs.append(("qq", self.qq.strip()))
        if self.email:
            pairs.append(("email", self.email.strip().lower()))
        if self.phone:
            pairs.append(("phone", "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")))
        return [(kind, value) for kind, value in pairs if value]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message; the bytes live in storage under ``storage_ref``."""

    filename: str
    content_type: str
    size: int
    storage_ref: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message received on any channel, normalised for the intake service.

    ``external_id`` is unique within the channel (a mail key, a QQ bot+scene+message id,
    a form submission id) and is what makes redelivery harmless. ``raw`` is the payload
    as received, stored before anything else is done with it.
    """

    channel: ChannelKind
    external_id: str
    sender: SenderIdentity
    reply_to: ReplyAddress
    text: str
    received_at: datetime
    subject: str | None = None
    attachments: tuple[Attachment, ...] = ()
    raw: bytes | None = None
    incident_number: str | None = None
    thread_keys: tuple[str, ...] = ()
    automated: bool = False
    no_ack: bool = False  # a person wrote it but asked for no automatic reply (still opens)
    category: str | None = None
    site: str | None = None
    urgency: str | None = None
    severity: Severity | None = None  # set by the desk (phone intake) or mapped from urgency


class NoticeKind(StrEnum):
    """Why a notice is sent; templates and rate limits key on it."""

    ACKNOWLEDGEMENT = "acknowledgement"
    PROGRESS = "progress"
    FEEDBACK_FORM = "feedback_form"
    CONFIRMATION_REQUEST = "confirmation_request"
    ESCALATION = "escalation"
    REPLY = "reply"
    DIGEST = "digest"
    HANDOVER = "handover"
    PLAN_REMINDER = "plan_reminder"


@dataclass(frozen=True, slots=True)
class OutboundNotice:
    """Something to send; rendered text, an address and a key that makes resending safe."""

    kind: NoticeKind
    address: ReplyAddress
    text: str
    idempotency_key: str
    subject: str | None = None
    html: str | None = None
    incident_number: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
