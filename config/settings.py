"""Desk settings: frozen models per section, loaded from TOML plus DESK_* environment overrides."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.domain.duration import Duration, parse_duration
from bot.domain.sla import Severity
from config.clock_settings import EscalationSettings, NotifySettings, OnCallSettings
from config.email_settings import EmailSettings
from config.qq_settings import QqSettings

DEFAULT_CONFIG_PATH = Path("config/desk.toml")
ENV_PREFIX = "DESK_"


class ConfigError(Exception):
    """Every problem found in the configuration, listed at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("configuration is invalid:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return parse_duration(str(value))


def _clock_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError as err:
        raise ValueError(f"时间格式应为 HH:MM，收到 {value!r}") from err


class DatabaseSettings(_Section):
    """Where the ledger lives."""

    url: str = ""

    def resolved_url(self, data_dir: Path) -> str:
        """The configured URL, or the embedded SQLite file under the data folder."""
        return self.url or f"sqlite+aiosqlite:///{data_dir / 'sitedesk.db'}"


class WebSettings(_Section):
    """The aiohttp web application."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    # The web channel (repair form, tracking page, console, REST API).
    sites: list[str] = []
    secret_key: str = ""
    api_tokens: list[dict[str, str]] = []
    upload_max_files: int = 5
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_types: list[str] = ["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log",
                               "doc", "docx", "xls", "xlsx", "zip"]
    form_rate_limit: int = 10
    login_rate_limit: int = 20
    min_fill_time: Duration = parse_duration("3s")
    session_lifetime: Duration = parse_duration("8h")
    lockout_after: int = 5
    lockout_time: Duration = parse_duration("15m")

    _web_durations = field_validator("min_fill_time", "session_lifetime", "lockout_time",
                                     mode="before")(_duration)

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _token_objects(cls, value: Any) -> Any:
        # A bare string is a token acting as the built-in "api" desk account.
        if isinstance(value, list):
            return [{"token": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("api_tokens")
    @classmethod
    def _long_tokens(cls, value: list[dict[str, str]]) -> list[dict[str, str]]:
        for item in value:
            if len(item.get("token", "")) < 16:
                raise ValueError("每个 API 令牌至少 16 个字符")
        return value

    def base_url(self) -> str:
        """The address requesters are sent to in links."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class DeskSettings(_Section):
    """The duty calendar and where files go."""

    timezone: str = "Asia/Shanghai"
    duty_start: time = time(9, 0)
    duty_end: time = time(17, 0)
    holidays_file: Path = Path("config/holidays.toml")
    data_dir: Path = Path("data")

    _start = field_validator("duty_start", "duty_end", mode="before")(_clock_time)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"未知的时区 {value!r}") from err
        return value

    def zone(self) -> ZoneInfo:
        """The desk's time zone."""
        return ZoneInfo(self.timezone)


class SlaSettings(_Section):
    """Response targets per severity and the feedback-form deadline."""

    l1: Duration = parse_duration("15m")
    l2: Duration = parse_duration("30m")
    l3: Duration = parse_duration("2wd")
    l4: Duration = parse_duration("3wd")
    l5: Duration = parse_duration("5wd")
    feedback_form: Duration = parse_duration("2wd")

    _durations = field_validator("l1", "l2", "l3", "l4", "l5", "feedback_form",
                                 mode="before")(_duration)

    def response_targets(self) -> dict[Severity, Duration]:
        """Targets keyed by severity."""
        return {severity: getattr(self, severity.value) for severity in Severity}


class IntakeSettings(_Section):
    """Defaults for new incidents."""

    default_severity: Severity = Severity("l4")
    default_category: str = "fault"


class SchedulerSettings(_Section):
    """How often the metronome ticks."""

    sweep_interval: Duration = parse_duration("30s")
    delivery_interval: Duration = parse_duration("5s")
    misfire_grace: Duration = parse_duration("2m")

    _durations = field_validator("sweep_interval", "delivery_interval", "misfire_grace",
                                 mode="before")(_duration)


class DeliverySettings(_Section):
    """Outbox retry policy."""

    max_attempts: int = 8
    base_backoff: Duration = parse_duration("30s")
    max_backoff: Duration = parse_duration("1h")
    lease: Duration = parse_duration("2m")
    batch_size: int = 50

    _durations = field_validator("base_backoff", "max_backoff", "lease", mode="before")(_duration)


class KnowledgeSettings(_Section):
    """The FAQ articles the matcher answers from."""

    articles_dir: Path = Path("knowledge_base/articles")
    reload_interval: Duration = parse_duration("60s")
    outcome_window: Duration = parse_duration("30m")

    _durations = field_validator("reload_interval", "outcome_window", mode="before")(_duration)


class LoggingSettings(_Section):
    """Log level for our own loggers."""

    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("日志级别应为 DEBUG、INFO、WARNING 或 ERROR")
        return value.upper()


class Settings(_Section):
    """All desk settings."""

    database: DatabaseSettings = DatabaseSettings()
    web: WebSettings = WebSettings()
    desk: DeskSettings = DeskSettings()
    sla: SlaSettings = SlaSettings()
    intake: IntakeSettings = IntakeSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    delivery: DeliverySettings = DeliverySettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    escalation: EscalationSettings = EscalationSettings()
    oncall: OnCallSettings = OnCallSettings()
    notify: NotifySettings = NotifySettings()
    logging: LoggingSettings = LoggingSettings()
    email: EmailSettings = EmailSettings()
    qq: QqSettings = QqSettings()
    source: str = "defaults"

    def database_url(self) -> str:
        """The database URL actually used."""
        return self.database.resolved_url(self.desk.data_dir)


def config_path(environ: Mapping[str, str]) -> Path:
    """The TOML file to read: DESK_CONFIG, else config/desk.toml."""
    return Path(environ.get("DESK_CONFIG") or DEFAULT_CONFIG_PATH)


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate everything; raise one ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    path = path or config_path(environ)
    problems: list[str] = []
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            problems.append(f"{path}: 不是有效的 TOML 文件（{err}）")
    elif "DESK_CONFIG" in environ:
        problems.append(f"{path}: DESK_CONFIG 指向的配置文件不存在")
    problems += _apply_environment(data, environ)
    data["source"] = str(path) if path.exists() else "defaults"
    try:
        settings = Settings.model_validate(data)
    except ValidationError as err:
        problems += [_describe(e) for e in err.errors()]
        raise ConfigError(problems) from err
    problems += _cross_checks(settings)
    if problems:
        raise ConfigError(problems)
    return settings


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> list[str]:
    problems = []
    sections = set(Settings.model_fields) - {"source"}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "DESK_CONFIG" or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition("__")
        if section not in sections:
            problems.append(f"环境变量 {name}: 没有名为 [{section}] 的配置段")
            continue
        data.setdefault(section, {})[key] = _env_value(raw)
    return problems


def _env_value(raw: str) -> Any:
    # Numbers, booleans and lists may be written as JSON; anything else is a plain string.
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return raw
    return value if isinstance(value, (int, float, bool, list, dict)) else raw


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "未知的配置项（拼写错误？）"
    return f"{where}: {message}（收到 {error.get('input')!r}）"


def _cross_checks(settings: Settings) -> list[str]:
    problems = []
    if settings.desk.duty_end <= settings.desk.duty_start:
        problems.append("desk.duty_end: 值班结束时间必须晚于开始时间")
    if not 0 < settings.web.port < 65536:
        problems.append(f"web.port: 端口应在 1–65535 之间（收到 {settings.web.port}）")
    if settings.delivery.max_attempts < 1:
        problems.append("delivery.max_attempts: 至少为 1")
    for key in ("sweep_interval", "delivery_interval"):
        if getattr(settings.scheduler, key).working:
            problems.append(f"scheduler.{key}: 周期不能以工作日计")
    return problems
