"""Staff members, their roles, and which role may do what."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Mapping

from bot.domain.errors import DomainError


class Role(StrEnum):
    """The contract's roles on the service side."""

    DESK = "desk"
    ENGINEER = "engineer"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Chinese name shown to people."""
        return {"desk": "服务台", "engineer": "工程师", "manager": "服务经理",
                "admin": "管理员"}[self.value]


class Permission(StrEnum):
    """Actions on the ledger that not every role may take."""

    WORK = "work"            # take, analyse, plan, progress, reply, resolve, reopen
    TRIAGE = "triage"        # assign, set severity and category, escalate, merge, intake by phone
    MANAGE_STAFF = "manage_staff"


ROLE_PERMISSIONS: Final[Mapping[Role, frozenset[Permission]]] = {
    Role.ENGINEER: frozenset({Permission.WORK}),
    Role.DESK: frozenset({Permission.WORK, Permission.TRIAGE}),
    Role.MANAGER: frozenset({Permission.WORK, Permission.TRIAGE}),
    Role.ADMIN: frozenset(Permission),
}


class PermissionDeniedError(DomainError):
    """A staff member (or someone who is not staff) tried what their role does not allow."""

    def __init__(self, who: str, permission: Permission) -> None:
        super().__init__(f"{who} lacks permission {permission.value}")
        self.who = who
        self.permission = permission
        self.user_message = "抱歉，您没有权限执行此操作。"


@dataclass
class Staff:
    """A member of the service team."""

    username: str
    display_name: str
    role: Role
    qq: str | None = None
    email: str | None = None
    active: bool = True
    id: int | None = None

    def can(self, permission: Permission) -> bool:
        """Whether this member's role allows ``permission``."""
        return self.active and permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise PermissionDeniedError unless allowed."""
        if not self.can(permission):
            raise PermissionDeniedError(self.username, permission)
