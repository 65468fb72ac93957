"""Who is told: staff addresses by role, the on-call engineer, the desk, the handover list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.incident import Incident
from bot.domain.messages import ChannelKind, ReplyAddress
from bot.domain.sla import Severity
from bot.domain.staff import Role, Staff
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DeskAddresses:
    """The desk's own group and mailbox, and where handovers go."""

    qq_group: int = 0
    email: str = ""
    dev_team_email: str = ""
    project_management_email: str = ""
    product_manager_email: str = ""


@dataclass(frozen=True)
class Recipients:
    """Resolves roles to addresses: QQ privately and email, falling back to the desk."""

    desk: DeskAddresses
    zone: ZoneInfo
    on_call_of: Callable[[date], str | None] = lambda _day: None
    second_line_usernames: Sequence[str] = ()

    def desk_addresses(self) -> list[ReplyAddress]:
        """The staff QQ group and the desk mailbox, whichever are configured."""
        out = []
        if self.desk.qq_group:
            out.append(ReplyAddress(ChannelKind.QQ, f"group:{self.desk.qq_group}"))
        if self.desk.email:
            out.append(ReplyAddress(ChannelKind.EMAIL, self.desk.email))
        return out

    def of_staff(self, staff: Staff) -> list[ReplyAddress]:
        """A member's private QQ and email; the desk's group when they have neither."""
        out = []
        if staff.qq:
            out.append(ReplyAddress(ChannelKind.QQ, f"private:{staff.qq}"))
        if staff.email:
            out.append(ReplyAddress(ChannelKind.EMAIL, staff.email))
        if not staff.qq and self.desk.qq_group:
            out.append(ReplyAddress(ChannelKind.QQ, f"group:{self.desk.qq_group}",
                                    mention=None))
        return out

    async def on_call(self, uow: UnitOfWork, now: datetime) -> list[ReplyAddress]:
        """Whoever is on call now, else the desk."""
        username = self.on_call_of(now.astimezone(self.zone).date())
        staff = await uow.staff.by_username(username) if username else None
        return self.of_staff(staff) if staff and staff.active else self.desk_addresses()

    async def owner_or_desk(self, uow: UnitOfWork, incident: Incident) -> list[ReplyAddress]:
        """The owner (and assignee), or the desk when nobody has taken it."""
        names = dict.fromkeys(n for n in (incident.owner, incident.assignee) if n)
        out: list[ReplyAddress] = []
        for name in names:
            staff = await uow.staff.by_username(name)
            if staff is not None and staff.active:
                out += self.of_staff(staff)
        return _unique(out) or self.desk_addresses()

    async def managers(self, uow: UnitOfWork, *, also: str | None = None) -> list[ReplyAddress]:
        """Every service manager (plus ``also``), else the desk."""
        out: list[ReplyAddress] = []
        for staff in await uow.staff.all(role=Role.MANAGER):
            if staff.active:
                out += self.of_staff(staff)
        if also:
            member = await uow.staff.by_username(also)
            out += self.of_staff(member) if member else []
        return _unique(out) or self.desk_addresses()

    async def second_line(self, uow: UnitOfWork) -> list[ReplyAddress]:
        """The configured second-line engineers, else the managers."""
        out: list[ReplyAddress] = []
        for name in self.second_line_usernames:
            staff = await uow.staff.by_username(name)
            out += self.of_staff(staff) if staff and staff.active else []
        return _unique(out) or await self.managers(uow)

    def handover(self, incident: Incident) -> list[tuple[ReplyAddress, dict[str, str]]]:
        """The development team (copying project management) and, in an emergency, the PM;
        each with the notice's ``extra`` (the copy list)."""
        out: list[tuple[ReplyAddress, dict[str, str]]] = []
        cc = {"cc": self.desk.project_management_email} if self.desk.project_management_email \
            else {}
        if self.desk.dev_team_email:
            out.append((ReplyAddress(ChannelKind.EMAIL, self.desk.dev_team_email), cc))
        if self.desk.product_manager_email and incident.severity in (Severity.L1, Severity.L2):
            out.append((ReplyAddress(ChannelKind.EMAIL, self.desk.product_manager_email), {}))
        return out


def _unique(addresses: list[ReplyAddress]) -> list[ReplyAddress]:
    return list(dict.fromkeys(addresses))
