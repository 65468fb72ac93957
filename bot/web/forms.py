"""The repair form and phone intake: validation with Chinese errors, uploads, InboundMessage."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import unquote

from bot.domain.incident import Category
from bot.domain.sla import Severity
from bot.domain.messages import (
    Attachment, ChannelKind, InboundMessage, ReplyAddress, SenderIdentity,
)

URGENCY: Final = {
    "critical": "非常紧急：网站打不开或数据丢失",
    "high": "紧急：重要功能无法使用",
    "normal": "一般：影响使用，但可以绕过",
    "low": "不急：咨询或建议",
}

# The requester's urgency is a first guess at the level (the desk adjusts it): an outage
# reported on the form must start the around-the-clock clock, not wait three working days.
URGENCY_SEVERITY: Final = {"critical": Severity.L2, "high": Severity.L3}

CONTENT_TYPES: Final = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "pdf": "application/pdf", "txt": "text/plain", "log": "text/plain",
    "doc": "application/msword", "xls": "application/vnd.ms-excel", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Leading bytes a file of each type must start with; a renamed executable is refused.
_MAGIC: Final = {
    "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"), "webp": (b"RIFF",), "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"), "docx": (b"PK\x03\x04",), "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",), "xls": (b"\xd0\xcf\x11\xe0",),
}

_EMAIL_RE: Final = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}$")
_PHONE_RE: Final = re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$")
_QQ_RE: Final = re.compile(r"^[1-9][0-9]{4,11}$")
_SUBMISSION_RE: Final = re.compile(r"^[0-9a-f]{32}$")
FIELDS: Final = ("name", "unit", "site", "phone", "email", "qq", "category", "description",
                 "urgency")


@dataclass
class RepairInput:
    """What the requester typed, kept verbatim so a rejected form can be shown again."""

    name: str = ""
    unit: str = ""
    site: str = ""
    phone: str = ""
    email: str = ""
    qq: str = ""
    category: str = "fault"
    description: str = ""
    urgency: str = "normal"
    submission_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """No field was rejected."""
        return not self.errors

    def sender(self) -> SenderIdentity:
        """The requester as the intake service links contacts."""
        return SenderIdentity(name=self.name or None, qq=self.qq or None,
                              email=self.email or None, phone=self.phone or None,
                              unit=self.unit or None)

    def values(self) -> dict[str, str]:
        """The form's fields, for the raw payload and for re-rendering."""
        data = asdict(self)
        data.pop("errors")
        return data


@dataclass(frozen=True, slots=True)
class Upload:
    """An accepted file, not yet stored."""

    filename: str
    content_type: str
    data: bytes


def read_repair(data: Mapping[str, object], *, sites: Sequence[str],
                require_phone: bool = False) -> RepairInput:
    """Read and check the form; ``errors`` maps a field to a Chinese message."""
    form = RepairInput(**{name: _text(data.get(name)) for name in FIELDS},
                       submission_id=_text(data.get("submission_id")))
    form.category = form.category or "fault"
    form.urgency = form.urgency or "normal"
    errors = form.errors
    _require(errors, "name", form.name, "请填写您的姓名。", 50)
    _require(errors, "unit", form.unit, "请填写您所在的单位或部门。", 100)
    _check_site(errors, form.site, sites)
    _check_contacts(errors, form, require_phone)
    if form.category not in {c.value for c in Category}:
        errors["category"] = "请选择问题类别。"
    if form.urgency not in URGENCY:
        errors["urgency"] = "请选择紧急程度。"
    _require(errors, "description", form.description, "请描述遇到的问题。", 5000)
    if "description" not in errors and len(form.description) < 5:
        errors["description"] = "问题描述太短，请至少写 5 个字。"
    if not _SUBMISSION_RE.fullmatch(form.submission_id):
        errors["form"] = "表单已失效，请刷新页面后重新提交（已填写的内容会保留）。"
    return form


def read_uploads(files: Sequence[tuple[str, bytes]], *, allowed: Sequence[str],
                 max_files: int, max_bytes: int) -> tuple[list[Upload], str | None]:
    """Accept files whose extension is allowed and whose content matches it."""
    files = [(name, data) for name, data in files if name or data]
    if len(files) > max_files:
        return [], f"最多上传 {max_files} 个附件。"
    uploads = []
    for raw_name, data in files:
        name = clean_filename(raw_name)
        ext = PurePosixPath(name).suffix.lower().lstrip(".")
        if ext not in allowed or ext not in CONTENT_TYPES:
            return [], f"不支持的附件类型“{name}”，允许：{'、'.join(allowed)}。"
        if not data:
            return [], f"附件“{name}”是空文件。"
        if len(data) > max_bytes:
            return [], f"附件“{name}”超过 {max_bytes // (1024 * 1024)} MB 的大小限制。"
        if ext in _MAGIC and not data.startswith(_MAGIC[ext]):
            return [], f"附件“{name}”的内容与扩展名不符。"
        uploads.append(Upload(name, CONTENT_TYPES[ext], data))
    return uploads, None


def clean_filename(raw: str) -> str:
    """The last path component without control characters, at most 120 characters."""
    # Some clients percent-encode the multipart filename (aiohttp's own FormData does).
    raw = unquote(raw) if re.search(r"%[0-9A-Fa-f]{2}", raw) else raw
    name = PurePosixPath(raw.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[-120:] or "附件"


def repair_to_inbound(form: RepairInput, *, channel: ChannelKind, received_at: datetime,
                      attachments: Sequence[Attachment] = (),
                      email_enabled: bool = True,
                      severity: Severity | None = None) -> InboundMessage:
    """The intake message for a valid form: replies go by email when one was given and the
    mailbox is configured (else they would wait for a channel that does not exist)."""
    if form.email and email_enabled:
        reply_to = ReplyAddress(ChannelKind.EMAIL, form.email.strip().lower())
    elif channel is ChannelKind.PHONE:
        reply_to = ReplyAddress(ChannelKind.PHONE, form.phone)
    else:
        reply_to = ReplyAddress(ChannelKind.WEB, "form")
    first_line = next(iter(form.description.strip().splitlines()), "")
    subject = f"【{form.site}】{first_line}" if form.site else first_line
    raw = json.dumps({"channel": channel.value, **form.values()}, ensure_ascii=False)
    return InboundMessage(
        channel=channel, external_id=f"{channel.value}:{form.submission_id}",
        sender=form.sender(), reply_to=reply_to, text=form.description.strip(),
        received_at=received_at, subject=subject, attachments=tuple(attachments),
        raw=raw.encode("utf-8"), site=form.site or None, urgency=form.urgency,
        severity=severity or URGENCY_SEVERITY.get(form.urgency),
        category=form.category)


def valid_submission_id(value: str) -> bool:
    """Whether ``value`` looks like a submission id the form generated."""
    return bool(_SUBMISSION_RE.fullmatch(value))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _require(errors: dict[str, str], name: str, value: str, message: str, limit: int) -> None:
    if not value:
        errors[name] = message
    elif len(value) > limit:
        errors[name] = f"内容过长（最多 {limit} 个字）。"


def _check_site(errors: dict[str, str], site: str, sites: Sequence[str]) -> None:
    if not site:
        errors["site"] = "请选择出问题的网站。"
    elif sites and site not in sites:
        errors["site"] = "请从列表中选择网站。"
    elif len(site) > 200:
        errors["site"] = "网站名称过长（最多 200 个字）。"


def _check_contacts(errors: dict[str, str], form: RepairInput, require_phone: bool) -> None:
    if not (form.phone or form.email or form.qq):
        errors["contact"] = "请至少填写一种联系方式：电话、邮箱或 QQ。"
    if require_phone and not form.phone:
        errors["phone"] = "电话报修请填写来电号码。"
    if form.phone and (not _PHONE_RE.fullmatch(form.phone)
                       or sum(ch.isdigit() for ch in form.phone) < 5):
        errors["phone"] = "电话号码格式不正确，例如 0571-88888888 或 13800000000。"
    if form.email and not _EMAIL_RE.fullmatch(form.email):
        errors["email"] = "邮箱格式不正确，例如 name@example.edu.cn。"
    if form.qq and not _QQ_RE.fullmatch(form.qq):
        errors["qq"] = "QQ 号应为 5–12 位数字。"
