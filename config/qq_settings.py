"""Settings of the QQ channel that NoneBot does not own: groups listened to, throttles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from bot.domain.duration import Duration, parse_duration

MIN_INTERVAL = timedelta(seconds=1.2)


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return parse_duration(value if isinstance(value, int) else str(value))


class QqSettings(BaseModel):
    """The [qq] section (see config/desk.toml for what each key means)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: list[int] = []
    answer_groups: list[int] = []
    staff_group: int | None = None
    keywords: list[str] = ["报修"]
    command_prefixes: list[str] = ["/", "／", "#"]
    account_interval: Duration = parse_duration("1.2s")
    group_interval: Duration = parse_duration("1.5s")
    burst_window: Duration = parse_duration("60s")
    account_burst: int = 20
    group_burst: int = 8
    max_wait: Duration = parse_duration("30s")
    risk_backoff: Duration = parse_duration("60s")
    max_message_length: int = 1500
    private_notices: bool = False

    _durations = field_validator("account_interval", "group_interval", "burst_window",
                                 "max_wait", "risk_backoff", mode="before")(_duration)

    @field_validator("account_interval", "group_interval")
    @classmethod
    def _not_too_fast(cls, value: Duration) -> Duration:
        if value.working or value.amount < MIN_INTERVAL:
            raise ValueError("发送间隔至少 1.2s（发送过快会触发 QQ 风控）")
        return value

    @field_validator("account_burst", "group_burst", "max_message_length")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("必须是正整数")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        cleaned = [k.strip() for k in value if k.strip()]
        if not cleaned:
            raise ValueError("至少需要一个报修关键词，如 报修")
        return cleaned

    @model_validator(mode="after")
    def _answer_groups_are_listened(self) -> QqSettings:
        missing = [g for g in self.answer_groups if g not in self.groups]
        if missing:
            raise ValueError(f"answer_groups 中的群 {missing} 不在 groups 里")
        return self

    def listens_to_group(self, group_id: int) -> bool:
        """Whether messages of ``group_id`` are looked at at all."""
        return group_id in self.groups or group_id == self.staff_group
