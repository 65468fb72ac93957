"""Helpers for the email parsing tests: fixture paths and loading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

EMAIL_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@pytest.fixture
def load_eml() -> Callable[[str], bytes]:
    """Return a loader of tests/fixtures/email/<name>.eml as raw bytes."""

    def load(name: str) -> bytes:
        return (EMAIL_FIXTURES / f"{name}.eml").read_bytes()

    return load
