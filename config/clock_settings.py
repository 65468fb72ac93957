"""Settings of the contract's clocks: the escalation ladder, on-call rota and who is told what."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.domain.clocks import ClockRules
from bot.domain.duration import Duration, parse_duration
from bot.domain.sla import Severity


def _duration(value: Any) -> Duration:
    return value if isinstance(value, Duration) else parse_duration(str(value))


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EscalationSettings(_Section):
    """The [escalation] section: ladder and obligations."""

    warn_share: float = 0.75
    second_line_after: Duration = parse_duration("4h")
    page_severities: list[Severity] = [Severity.L1, Severity.L2]
    plan_reminder_before: Duration = parse_duration("4h")
    confirmation_reminder: Duration = parse_duration("2wd")
    max_confirmation_reminders: int = 1
    auto_close_after: str = ""
    second_line: list[str] = []
    sweep_batch: int = 200

    _durations = field_validator("second_line_after", "plan_reminder_before",
                                 "confirmation_reminder", mode="before")(_duration)

    @field_validator("warn_share")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError("应为 0 到 1 之间的比例，如 0.75")
        return value

    @field_validator("auto_close_after")
    @classmethod
    def _auto_close(cls, value: str) -> str:
        if value:
            parse_duration(value)
        return value

    def rules(self) -> ClockRules:
        """The domain's view of these settings."""
        return ClockRules(
            warn_share=self.warn_share, second_line_after=self.second_line_after,
            page_severities=frozenset(self.page_severities),
            plan_reminder_before=self.plan_reminder_before,
            confirmation_reminder=self.confirmation_reminder,
            max_confirmation_reminders=self.max_confirmation_reminders,
            auto_close_after=parse_duration(self.auto_close_after) if self.auto_close_after
            else None)


class OnCallSettings(_Section):
    """The [oncall] section: who is paged for L1/L2, in rotation."""

    rotation: list[str] = []
    rotation_start: date = date(2026, 1, 5)
    rotation_period: Duration = parse_duration("7d")

    _durations = field_validator("rotation_period", mode="before")(_duration)

    def on_call(self, today: date) -> str | None:
        """The username on call on ``today``."""
        if not self.rotation:
            return None
        days = max(self.rotation_period.amount.days, 1)
        return self.rotation[((today - self.rotation_start).days // days) % len(self.rotation)]


class NotifySettings(_Section):
    """The [notify] section: the desk's own addresses and the handover recipients."""

    desk_qq_group: int = 0
    desk_email: str = ""
    dev_team_email: str = ""
    project_management_email: str = ""
    product_manager_email: str = ""
    digest_time: time = time(9, 0)

    @field_validator("digest_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> time:
        return value if isinstance(value, time) else time.fromisoformat(str(value))
