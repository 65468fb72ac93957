"""Settings: defaults with no file, TOML, DESK_* overrides, and every problem listed at once."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.domain.sla import Severity
from config.settings import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[3]


def test_no_file_no_environment_gives_the_contract_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.toml", {})
    assert settings.source == "defaults"
    assert settings.database_url() == "sqlite+aiosqlite:///data/sitedesk.db"
    assert (settings.web.host, settings.web.port) == ("127.0.0.1", 8080)
    targets = settings.sla.response_targets()
    assert targets[Severity.L1].amount == timedelta(minutes=15) and not targets[Severity.L1].working
    assert targets[Severity.L3].working


def test_shipped_file_equals_the_defaults() -> None:
    shipped = load_settings(REPO / "config" / "desk.toml", {})
    defaults = load_settings(REPO / "absent.toml", {})
    assert shipped.model_copy(update={"source": "x"}) == defaults.model_copy(update={"source": "x"})


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text('[web]\nport = 9000\n[sla]\nl3 = "4h"\n', encoding="utf-8")
    settings = load_settings(path, {"DESK_WEB__PORT": "9100", "DESK_SLA__L3": "30s",
                                    "DESK_DESK__DUTY_START": "08:30",
                                    "DESK_DATABASE__URL": "postgresql+asyncpg://u:p@h/db"})
    assert settings.web.port == 9100
    assert settings.sla.l3.amount == timedelta(seconds=30) and not settings.sla.l3.working
    assert settings.desk.duty_start == time(8, 30)
    assert settings.database_url() == "postgresql+asyncpg://u:p@h/db"


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text('[web]\nprot = 1\n[sla]\nl4 = "3 weeks"\n[desk]\ntimezone = "Mars/Base"\n'
                    'duty_start = "9点"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, {"DESK_NOPE__X": "1", "DESK_LOGGING__LEVEL": "LOUD"})
    text = "\n".join(err.value.problems)
    for needle in ("web.prot", "sla.l4", "desk.timezone", "desk.duty_start", "[nope]",
                   "logging.level"):
        assert needle in text, needle
    assert len(err.value.problems) == 6


def test_bad_toml_and_missing_named_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[web\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是有效的 TOML"):
        load_settings(broken, {})
    with pytest.raises(ConfigError, match="配置文件不存在"):
        load_settings(None, {"DESK_CONFIG": str(tmp_path / "nope.toml")})


def test_cross_checks(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "absent.toml", {"DESK_DESK__DUTY_END": "08:00",
                                                 "DESK_SCHEDULER__SWEEP_INTERVAL": "1wd"})
    assert len(err.value.problems) == 2
