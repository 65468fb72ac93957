"""Requesters: one person across QQ, email, phone and the web form."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class IdentityKind(StrEnum):
    """The handles by which a requester can be recognised."""

    QQ = "qq"
    EMAIL = "email"
    PHONE = "phone"


@dataclass
class Contact:
    """A requester. ``identities`` maps each kind to the values known for it."""

    name: str | None
    unit: str | None = None
    id: int | None = None
    merged_into: int | None = None
    identities: list[tuple[IdentityKind, str]] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        """The best name for a person to read."""
        if self.name:
            return self.name
        for kind, value in self.identities:
            if kind is IdentityKind.EMAIL:
                return value
        return self.identities[0][1] if self.identities else "匿名用户"

    def value_of(self, kind: IdentityKind) -> str | None:
        """The first known value of ``kind``, if any."""
        return next((value for k, value in self.identities if k is kind), None)
