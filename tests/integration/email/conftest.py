"""Fixtures of the email integration tests: a real Dovecot, an aiosmtpd sink, a wired desk."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.main import build_runtime
from bot.runtime import Runtime
from config.settings import load_settings
from storage.migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dovecot import DOVECOT, Dovecot  # noqa: E402
from email_support import RuntimeFactory, SmtpSink, desk_environ  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here talks to real servers on 127.0.0.1: mark it integration."""
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().parent == here:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A fresh Dovecot on a free port with user service/secret and an empty INBOX."""
    if DOVECOT is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed but CI is set: .ci/run must install "
                        "dovecot-imapd")
        pytest.skip("dovecot binary not found (apt-get install dovecot-imapd)")
    # Not under tmp_path: pytest makes that 0700, and Dovecot's own users must traverse it.
    root = Path(tempfile.mkdtemp(prefix="sitedesk-dovecot-"))
    server = Dovecot(root)
    server.write_config()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink on a free port."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def make_runtime(tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
                       ) -> AsyncIterator[RuntimeFactory]:
    """Build a migrated desk runtime on a database URL (default: a SQLite file)."""
    built: list[Runtime] = []

    async def factory(db_url: str | None = None, **extra: str) -> Runtime:
        url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
        settings = load_settings(tmp_path / "absent.toml",
                                 desk_environ(tmp_path, dovecot, smtp_sink.port, url, **extra))
        runtime = build_runtime(settings)
        await upgrade(runtime.engine)
        built.append(runtime)
        return runtime

    yield factory
    for runtime in built:
        await runtime.engine.dispose()


