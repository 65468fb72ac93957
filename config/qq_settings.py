"""Settings of the QQ channel that NoneBot does not own: groups listened to, throttles."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class QqSettings(BaseModel):
    """The [qq] section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: list[int] = []
