"""One migration head: 0004k merges the email (0003e) and web (0003w) branches; later ones
follow it in a line."""

from __future__ import annotations

import io

from alembic import command
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config


def test_alembic_heads_reports_one_head() -> None:
    config = alembic_config()
    config.stdout = io.StringIO()
    command.heads(config)
    lines = [line for line in config.stdout.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1


def test_0004k_merges_both_branches() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert len(scripts.get_heads()) == 1
    assert set(scripts.get_revision("0004k").down_revision or ()) == {"0003e", "0003w"}
