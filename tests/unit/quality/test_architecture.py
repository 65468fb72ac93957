"""The layering the README promises: the domain imports no I/O, the knowledge base nothing of
ours, the core never NoneBot; nothing imports plugins. Checked on the source, not by running it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
OURS = ("bot", "storage", "config", "knowledge_base", "plugins")
IO_MODULES = ("sqlalchemy", "aiohttp", "aiosmtplib", "aioimaplib", "nonebot", "asyncpg",
              "aiosqlite", "socket", "subprocess", "apscheduler", "jinja2")


def imports_of(package: str) -> Iterator[tuple[Path, str]]:
    """Every module imported by any file of ``package``."""
    for path in sorted((REPO / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(REPO)} imports {name}" for path, name in imports_of(package)
            if name.split(".")[0] in forbidden or name in forbidden
            or any(name.startswith(f + ".") for f in forbidden)]


def test_domain_is_pure() -> None:
    forbidden = IO_MODULES + ("storage", "config", "plugins", "knowledge_base",
                              "bot.services", "bot.channels", "bot.web", "bot.scheduler",
                              "bot.main", "bot.runtime")
    assert offenders("bot/domain", forbidden) == []


def test_knowledge_base_depends_on_nothing_of_ours() -> None:
    assert offenders("knowledge_base", ("bot", "storage", "config", "plugins")) == []


@pytest.mark.parametrize("package", ["bot/domain", "bot/services", "storage", "knowledge_base"])
def test_core_never_imports_nonebot(package: str) -> None:
    assert offenders(package, ("nonebot",)) == []


def test_storage_does_not_reach_up_into_services_or_channels() -> None:
    assert offenders("storage", ("bot.services", "bot.channels", "bot.web", "bot.scheduler",
                                 "plugins")) == []


def test_nothing_imports_plugins() -> None:
    for package in ("bot", "storage", "config", "knowledge_base"):
        assert offenders(package, ("plugins",)) == []


def test_mypy_strict_on_the_typed_core() -> None:
    """The domain, the channel boundary, storage and the knowledge base type-check strictly."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "bot/domain",
         "bot/channels/base.py", "storage", "knowledge_base"],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
