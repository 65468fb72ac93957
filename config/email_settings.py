"""Settings of the service mailbox: IMAP in, SMTP out (secrets from DESK_EMAIL__* variables)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from bot.domain.duration import Duration, parse_duration


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return parse_duration(value if isinstance(value, int) else str(value))


class EmailSettings(BaseModel):
    """The [email] section; the channel is off while ``imap_host`` is empty.

    Secrets never belong in the TOML file: set DESK_EMAIL__PASSWORD (and, when the SMTP
    account differs, DESK_EMAIL__SMTP_PASSWORD) in the environment.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- receiving (IMAP) --------------------------------------------------------------
    imap_host: str = ""
    imap_port: int = 993
    imap_tls: Literal["implicit", "plain"] = "implicit"
    user: str = ""
    password: SecretStr = SecretStr("")
    mailbox: str = "INBOX"
    poll_interval: Duration = parse_duration("60s")
    idle_timeout: Duration = parse_duration("9m")
    command_timeout: Duration = parse_duration("30s")
    max_backoff: Duration = parse_duration("5m")
    mark_mode: Literal["keyword", "move"] = "keyword"
    processed_keyword: str = "$SiteDeskDone"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Failed"
    # -- sending (SMTP) ----------------------------------------------------------------
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_tls: Literal["implicit", "starttls", "plain"] = "implicit"
    smtp_auth: bool = True
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: Duration = parse_duration("30s")
    validate_certs: bool = True
    from_address: str = ""
    from_name: str = "网站群服务台"
    # -- identity, loops, limits -------------------------------------------------------
    own_addresses: list[str] = []
    message_id_domain: str = ""
    message_id_secret: SecretStr = SecretStr("")
    rate_window: Duration = parse_duration("1h")
    rate_per_recipient: int = 20
    rate_per_incident: int = 10
    max_attachment_mb: int = 20
    max_processing_failures: int = 5

    _durations = field_validator("poll_interval", "idle_timeout", "command_timeout",
                                 "max_backoff", "smtp_timeout", "rate_window",
                                 mode="before")(_duration)

    @field_validator("imap_port", "smtp_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("端口应在 1–65535 之间")
        return value

    @field_validator("rate_per_recipient", "rate_per_incident", "max_attachment_mb",
                     "max_processing_failures")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("必须是正整数")
        return value

    @field_validator("own_addresses")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [item.strip().lower() for item in value if item.strip()]

    @model_validator(mode="after")
    def _complete(self) -> EmailSettings:
        if self.enabled and not self.user:
            raise ValueError("配置了 imap_host 时必须同时配置 user（邮箱账号）")
        if self.enabled and not self.sender_address:
            raise ValueError("无法确定发件地址：请配置 from_address")
        for name in ("poll_interval", "idle_timeout", "command_timeout", "max_backoff",
                     "smtp_timeout", "rate_window"):
            if getattr(self, name).working:
                raise ValueError(f"{name} 不能以工作日计")
        return self

    @property
    def enabled(self) -> bool:
        """Whether the mailbox is configured."""
        return bool(self.imap_host)

    @property
    def sender_address(self) -> str:
        """The From address of outgoing mail (lower case)."""
        return (self.from_address or (self.user if "@" in self.user else "")).strip().lower()

    @property
    def id_domain(self) -> str:
        """The domain of our Message-IDs: configured, else the sender's domain."""
        return (self.message_id_domain or self.sender_address.rpartition("@")[2]
                or "sitedesk.invalid").lower()

    def our_addresses(self) -> frozenset[str]:
        """Every address that is the desk itself (mail from these is our own loop)."""
        found = {self.sender_address, *self.own_addresses}
        if "@" in self.user:
            found.add(self.user.lower())
        return frozenset(a for a in found if a)
