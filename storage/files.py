"""Attachment and raw-payload files on disk, addressed by opaque references that cannot escape."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_REF_RE = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}$")


class FileStoreError(Exception):
    """A reference that is malformed or points at nothing."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """Where a file went and what it was."""

    ref: str
    size: int
    sha256: str


class FileStore:
    """Stores bytes under ``root/YYYY/MM/<random>``; names and types live in the database.

    The on-disk name never comes from user input, so a hostile filename cannot traverse
    paths or collide; files are written to a temporary name and renamed into place, so a crash
    never leaves a half-written file behind a reference.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes, *, now: datetime) -> StoredFile:
        """Write ``data`` durably and return its reference."""
        ref = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}"
        path = self.root / ref
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        return StoredFile(ref, len(data), hashlib.sha256(data).hexdigest())

    def path_of(self, ref: str) -> Path:
        """The file behind ``ref``; raises FileStoreError for anything but a stored reference."""
        if not _REF_RE.fullmatch(ref):
            raise FileStoreError(f"malformed file reference {ref!r}")
        path = self.root / ref
        if not path.is_file():
            raise FileStoreError(f"no file for reference {ref!r}")
        return path

    def read(self, ref: str) -> bytes:
        """The bytes behind ``ref``."""
        return self.path_of(ref).read_bytes()
