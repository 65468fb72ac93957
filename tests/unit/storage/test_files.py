"""The file store: round trip, and references that try to escape are refused."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from storage.files import FileStore, FileStoreError


def test_round_trip_and_refusals(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    stored = store.save("截图".encode(), now=datetime(2026, 11, 26, tzinfo=timezone.utc))
    assert stored.ref.startswith("2026/11/") and stored.size == 6
    assert store.read(stored.ref) == "截图".encode()
    (tmp_path / "secret").write_text("x")
    for ref in ("../secret", "2026/11/../../../secret", "/etc/passwd", "2026/11/ABC",
                stored.ref + "x", "2026/11/" + "0" * 32):
        with pytest.raises(FileStoreError):
            store.read(ref)
    assert not list((tmp_path / "files").rglob("*.part"))
