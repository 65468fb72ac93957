"""The error hierarchy of the domain, rooted at DeskError."""

from __future__ import annotations


class DeskError(Exception):
    """Root of every error SiteDesk raises on purpose."""

    #: Text a person may read; subclasses set it in Chinese.
    user_message: str = "操作失败，请稍后再试或联系服务台。"


class DomainError(DeskError):
    """A rule of the ledger was broken by the caller."""


class IllegalTransitionError(DomainError):
    """An incident was asked to move along a transition the table does not allow."""

    def __init__(self, number: str, from_status: str, to_status: str) -> None:
        super().__init__(
            f"incident {number}: transition {from_status} -> {to_status} is not allowed"
        )
        self.number = number
        self.from_status = from_status
        self.to_status = to_status
        self.user_message = (
            f"工单 {number} 当前状态不允许此操作（{from_status} → {to_status}）。"
        )


class UnknownIncidentError(DomainError):
    """No incident carries the given number."""

    def __init__(self, number: str) -> None:
        super().__init__(f"no incident numbered {number!r}")
        self.number = number
        self.user_message = f"找不到工单 {number}，请核对工单号。"


class UnknownContactError(DomainError):
    """No contact has the given id."""

    def __init__(self, contact_id: int) -> None:
        super().__init__(f"no contact with id {contact_id}")
        self.contact_id = contact_id
        self.user_message = "找不到该联系人。"


class InvalidInputError(DomainError):
    """A value given to the domain is malformed (empty title, bad severity, …)."""

    def __init__(self, message: str, user_message: str) -> None:
        super().__init__(message)
        self.user_message = user_message
