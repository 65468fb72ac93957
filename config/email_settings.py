"""Settings of the service mailbox: IMAP in, SMTP out (secrets from DESK_EMAIL__* variables)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EmailSettings(BaseModel):
    """The [email] section; the channel is off while ``imap_host`` is empty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    imap_host: str = ""

    @property
    def enabled(self) -> bool:
        """Whether the mailbox is configured."""
        return bool(self.imap_host)
