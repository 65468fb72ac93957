"""Timeline events: every change to an incident, with who made it and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What happened on an incident's timeline."""

    OPENED = "opened"
    MESSAGE_RECEIVED = "message_received"
    MESSAGE_SENT = "message_sent"
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"
    TAKEN = "taken"
    ASSIGNED = "assigned"
    SEVERITY_CHANGED = "severity_changed"
    CATEGORY_CHANGED = "category_changed"
    PLAN_SET = "plan_set"
    NOTE_ADDED = "note_added"
    CONFIRMED = "confirmed"
    ESCALATED = "escalated"
    SLA_PAUSED = "sla_paused"
    SLA_RESUMED = "sla_resumed"
    NOTICE_QUEUED = "notice_queued"
    CONTACT_LINKED = "contact_linked"
    DELIVERY_UNCERTAIN = "delivery_uncertain"


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One entry of the audit trail. ``public`` entries are shown to the requester."""

    kind: EventKind
    actor: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    public: bool = False
