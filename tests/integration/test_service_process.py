"""The real command line: ``python -m bot`` serves /healthz and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def desk_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DESK_", "ONEBOT_")) and k not in ("DRIVER", "ENVIRONMENT")}
    env.update({"DESK_DESK__DATA_DIR": str(tmp_path / "data"), **extra})
    return env


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def test_service_starts_reports_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = desk_env(tmp_path, DESK_WEB__PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        report = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and report is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    report = json.loads(r.read().decode("utf-8"))
            except OSError:
                time.sleep(0.2)
        assert report is not None, "service never answered /healthz"
        assert report["status"] == "ok"
        assert report["database"] == {"backend": "sqlite", "ok": True}
        assert report["channels"]["qq"] == {"enabled": False,
                                            "detail": "未配置 ONEBOT_WS_URLS，QQ 渠道关闭"}
        assert report["scheduler"]["running"] is True
        assert report["calendar"]["years"]["2026"] == "official"
        assert (tmp_path / "data" / "sitedesk.db").exists()
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
        output = proc.communicate()[0]
    assert "SiteDesk stopped" in output


def test_sla_due_prints_response_and_feedback_due(tmp_path: Path) -> None:
    result = run_cli("sla-due", "--severity", "L4", "--at", "2026-10-09T10:00+08:00",
                     env=desk_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2026-10-13T10:00:00+08:00",
                                          "2026-10-12T10:00:00+08:00"]
    bad = run_cli("sla-due", "--severity", "L9", "--at", "2026-10-09T10:00",
                  env=desk_env(tmp_path))
    assert bad.returncode == 2 and "参数有误" in bad.stderr


def test_check_config_lists_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[web]\nport = "eighty"\n[sla]\nl2 = "soon"\n', encoding="utf-8")
    result = run_cli("check-config", env=desk_env(tmp_path, DESK_CONFIG=str(config),
                                                  DESK_LOGGING__LEVEL="CHATTY"))
    assert result.returncode == 2
    assert "web.port" in result.stderr and "sla.l2" in result.stderr
    assert "logging.level" in result.stderr
    ok = run_cli("check-config", env=desk_env(tmp_path))
    assert ok.returncode == 0 and "配置有效" in ok.stdout


def test_migrate_command_creates_the_schema(tmp_path: Path) -> None:
    result = run_cli("migrate", env=desk_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "sitedesk.db").stat().st_size > 0
    assert run_cli("migrate", env=desk_env(tmp_path)).returncode == 0
