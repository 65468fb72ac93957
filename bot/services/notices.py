"""Render the notices people read from editable Jinja2 templates (Chinese text, optional HTML)."""

from __future__ import annotations

from dataclasses import dataclass
import uuid
from pathlib import Path
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from bot.domain.incident import Incident
from bot.domain.messages import ChannelKind, NoticeKind, OutboundNotice, ReplyAddress
from bot.services.texts import format_local, severity_label

SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "notices"


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """Subject, plain text and (when a template exists) HTML of one notice."""

    subject: str
    text: str
    html: str | None


class NoticeRenderer:
    """Templates are looked up in the desk's override folder first, then in the shipped ones."""

    def __init__(self, zone: ZoneInfo, *, override_dir: Path | None = None,
                 tracking_url: Callable[[Incident], str | None] = lambda _incident: None) -> None:
        folders = [str(p) for p in (override_dir, SHIPPED_TEMPLATES) if p and p.exists()]
        self._env = Environment(loader=ChoiceLoader([FileSystemLoader(f) for f in folders]),
                                undefined=StrictUndefined, autoescape=False,
                                keep_trailing_newline=False, trim_blocks=False)
        self._html_env = Environment(loader=self._env.loader, undefined=StrictUndefined,
                                     autoescape=True)
        for env in (self._env, self._html_env):
            env.filters["local"] = lambda at: format_local(at, zone)
            env.filters["severity_label"] = severity_label
        self._tracking_url = tracking_url
        self.zone = zone

    def render(self, kind: NoticeKind, incident: Incident, **context: Any) -> RenderedNotice:
        """Render ``kind`` for ``incident``; ``context`` adds template variables."""
        values = {"incident": incident, "tracking_url": self._tracking_url(incident),
                  "headline": None, "note": None, "reminder": False, "staff_name": "服务台",
                  "channel": incident.channel.value, **context}
        return self.render_plain(kind, **values)

    def render_plain(self, kind: NoticeKind, **values: Any) -> RenderedNotice:
        """Render ``kind`` from ``values`` alone (notices about no single incident: the digest)."""
        subject = self._env.get_template(f"{kind.value}.subject.j2").render(values).strip()
        text = self._env.get_template(f"{kind.value}.txt.j2").render(values).strip() + "\n"
        try:
            html = self._html_env.get_template(f"{kind.value}.html.j2").render(values)
        except TemplateNotFound:
            html = None
        return RenderedNotice(subject, text, html)

    def notice(self, kind: NoticeKind, incident: Incident, *, key: str,
               address: ReplyAddress | None = None, extra: dict[str, str] | None = None,
               **context: Any) -> OutboundNotice | None:
        """A ready-to-queue notice to ``address`` (default: where the incident came from)."""
        address = address or incident.reply_address
        if address is None or address.kind is ChannelKind.PHONE:
            return None  # a phone report has no channel to answer on: the desk calls back
        if address.kind is ChannelKind.QQ and address.target.startswith("group:"):
            # The tracking link lets its holder confirm or reopen: never post it to a group.
            context.setdefault("tracking_url", None)
        rendered = self.render(kind, incident, channel=address.kind.value, **context)
        return OutboundNotice(kind=kind, address=address, text=rendered.text,
                              idempotency_key=key, subject=rendered.subject, html=rendered.html,
                              incident_number=incident.number, extra=dict(extra or {}))


def notice_key(kind: NoticeKind, incident: Incident) -> str:
    """A fresh idempotency key for a notice queued by a staff action (one per queueing)."""
    return f"{kind.value}:{incident.number}:{uuid.uuid4().hex}"
