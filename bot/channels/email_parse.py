"""Pure parsing of one raw RFC 5322 mail into a ParsedEmail: headers, text, attachments, loop flags."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.message import Message
from email.parser import BytesParser

from bot.channels.email_decode import (
    decode_bytes,
    decode_header_value,
    decode_param,
    describe_fallback,
    parse_addresses,
    parse_date,
    safe_filename,
)
from bot.channels.email_html import find_meta_charset, html_to_text
from bot.channels.email_loop import (
    LoopInput,
    ack_policy,
    classify_automated,
    detect_bounce,
    detect_read_receipt,
    extract_message_ids,
    find_original_message_id,
    normalize_message_id,
    raw_header,
)
from bot.channels.email_quote import strip_quotes

logger = logging.getLogger(__name__)

#: Default incident tag: a bracketed prefix (INC, SD or 工单) and a ``YYYY-NNNN`` number, e.g.
#: ``[INC-2026-0042]``, ``[SD#2026-0042]``, ``[工单 2026-0042]``; matched on the NFKC-normalised
#: subject so full-width ``［ＩＮＣ－２０２６－００４２］`` works too. The tag value is group 1.
DEFAULT_TAG_PATTERN: re.Pattern[str] = re.compile(
    r"\[\s*(?:INC|SD|工单)\s*[-#:]?\s*(\d{4}-\d{3,6})\s*\]", re.IGNORECASE)
#: Header our outgoing mail carries; its presence on inbound mail means our own mail came back.
DEFAULT_LOOP_HEADER = "X-SiteDesk-Loop"
_MAX_DEPTH = 30
_PLACEHOLDER = re.compile(r"html|超文本|富文本|不支持|does not support", re.IGNORECASE)
_REPORT_PARTS = frozenset({"text/rfc822-headers", "message/rfc822-headers", "text/global-headers"})


class MailParseError(Exception):
    """The raw bytes are not a usable mail (empty, or no header at all): quarantine them."""


@dataclass(frozen=True)
class ParsedAttachment:
    """One attachment or inline part; ``data`` is empty when ``too_large`` (metadata kept)."""

    filename: str | None
    safe_name: str
    content_type: str
    size: int
    data: bytes = field(repr=False)
    content_id: str | None
    inline: bool
    too_large: bool


@dataclass(frozen=True)
class ParsedEmail:
    """Everything the email channel needs from one inbound mail; addresses are lower-cased."""

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    reply_to: tuple[tuple[str, str], ...]
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    date: datetime | None
    auto_submitted: str | None
    precedence: str | None
    auto_response_suppress: str | None
    new_text: str
    full_text: str
    html: str | None
    attachments: tuple[ParsedAttachment, ...]
    is_bounce: bool
    is_read_receipt: bool
    original_message_id: str | None
    is_automated: bool
    automated_reason: str | None
    automated_reasons: tuple[str, ...]
    loop_marker: str | None
    incident_tags: tuple[str, ...]
    warnings: tuple[str, ...]
    #: Why a person's mail gets no automatic acknowledgement (email_loop.ack_policy); None: ack.
    no_ack_reason: str | None = None


@dataclass
class _Segment:
    plain: str | None = None
    html: str | None = None


@dataclass
class _Walk:
    """Mutable accumulator for one MIME tree walk."""

    max_bytes: int
    segments: list[_Segment] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    has_dsn: bool = False
    has_mdn: bool = False


def _raw_all(message: Message, name: str) -> list[str]:
    return [str(value) for key, value in message.raw_items() if key.lower() == name]


def _header_map(message: Message, warnings: list[str]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for key, value in message.raw_items():
        headers.setdefault(key.lower(), []).append(decode_header_value(str(value), warnings))
    return headers


def _part_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else b""


def _part_text(part: Message, acc: _Walk) -> str:
    """Decode a text part's payload with the charset ladder (§4.3 rules 3 and 6)."""
    data = _part_bytes(part)
    label = decode_param(raw_header(part, "content-type"), "content-type", "charset", acc.warnings)
    if not label and part.get_content_subtype() == "html":
        label = find_meta_charset(data)
    decoded = decode_bytes(data, label)
    note = describe_fallback(decoded, label, f"body {part.get_content_type()}")
    if note:
        acc.warnings.append(note)
    for defect in part.defects:
        acc.warnings.append(f"body: {type(defect).__name__}")
    return decoded.text.replace("\r\n", "\n").replace("\r", "\n")


def _disposition(part: Message) -> str:
    raw = raw_header(part, "content-disposition") or ""
    return raw.split(";", 1)[0].strip().lower()


def _filename(part: Message, warnings: list[str]) -> str | None:
    """Content-Disposition filename, else Content-Type name (§4.3 rule 5)."""
    name = decode_param(raw_header(part, "content-disposition"), "content-disposition", "filename", warnings)
    if not name:
        name = decode_param(raw_header(part, "content-type"), "content-type", "name", warnings)
    return name or None


def _embedded_bytes(part: Message, acc: _Walk) -> tuple[bytes, str]:
    """Bytes and decoded subject of a message/rfc822 part."""
    inner = part.get_payload()
    if not (isinstance(inner, list) and inner and isinstance(inner[0], Message)):
        return _part_bytes(part), ""
    subject = decode_header_value(raw_header(inner[0], "subject"), acc.warnings)
    try:
        return inner[0].as_bytes(policy=policy.compat32), subject
    except (MessageError, ValueError, TypeError, LookupError, UnicodeError) as err:
        acc.warnings.append(f"attachment: embedded message not serialisable ({type(err).__name__})")
        return b"", subject


def _add_attachment(part: Message, acc: _Walk) -> None:
    index = len(acc.attachments) + 1
    ctype = part.get_content_type()
    filename = _filename(part, acc.warnings)
    fallback, ext = filename, ".bin"
    if ctype in ("message/rfc822", "message/global"):
        data, subject = _embedded_bytes(part, acc)
        ext = ".eml"
        fallback = filename or (f"{subject}.eml" if subject else None)
    else:
        data = _part_bytes(part)
    safe = unique_name(safe_filename(fallback, index, default_ext=ext), _names(acc))
    content_id = normalize_message_id(raw_header(part, "content-id")) or None
    disposition = _disposition(part)
    inline = disposition == "inline" or (not disposition and content_id is not None)
    too_large = len(data) > acc.max_bytes
    if too_large:
        acc.warnings.append(f"attachment {safe!r}: {len(data)} bytes over the limit, data dropped")
    acc.attachments.append(ParsedAttachment(
        filename=filename, safe_name=safe, content_type=ctype, size=len(data),
        data=b"" if too_large else data, content_id=content_id, inline=inline, too_large=too_large))


def unique_name(name: str, taken: set[str]) -> str:
    """Return name, or "stem (2).ext", "stem (3).ext", ... if it is already taken."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    counter = 2
    while True:
        candidate = f"{stem} ({counter}).{ext}" if ext else f"{stem} ({counter})"
        if candidate not in taken:
            return candidate
        counter += 1


def _names(acc: _Walk) -> set[str]:
    return {item.safe_name for item in acc.attachments}


def _is_body_text(part: Message) -> bool:
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    if _disposition(part) == "attachment":
        return False
    return _filename(part, []) is None


def _walk(part: Message, acc: _Walk, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        acc.warnings.append("mime: nesting too deep, rest ignored")
        return
    ctype = part.get_content_type()
    if part.is_multipart():
        _walk_container(part, ctype, acc, depth)
    elif part.get_content_maintype() in ("multipart", "message") and ctype not in _REPORT_PARTS:
        # §4.3 rule 8: an unsplittable multipart keeps its raw text; decode it as text/plain.
        acc.warnings.append(f"mime: broken {ctype} read as text/plain")
        acc.segments.append(_Segment(plain=_part_text(part, acc)))
    elif _is_body_text(part):
        text = _part_text(part, acc)
        html = part.get_content_subtype() == "html"
        acc.segments.append(_Segment(html=text) if html else _Segment(plain=text))
    elif ctype not in _REPORT_PARTS:
        _add_attachment(part, acc)


def _walk_container(part: Message, ctype: str, acc: _Walk, depth: int) -> None:
    children = [child for child in part.get_payload() if isinstance(child, Message)]
    if ctype == "message/delivery-status":
        acc.has_dsn = True  # RFC 3464
    elif ctype == "message/disposition-notification":
        acc.has_mdn = True  # RFC 8098
    elif ctype.startswith("message/"):
        _add_attachment(part, acc)
    elif ctype == "multipart/alternative":
        _walk_alternative(children, acc, depth)
    else:
        for child in children:
            _walk(child, acc, depth + 1)


def _walk_alternative(children: list[Message], acc: _Walk, depth: int) -> None:
    """RFC 2046 §5.1.4: keep the plain and the HTML rendering of one body as one segment."""
    merged = _Segment()
    for child in children:
        sub = _Walk(max_bytes=acc.max_bytes, warnings=acc.warnings)
        _walk(child, sub, depth + 1)
        for segment in sub.segments:
            if segment.plain is not None and merged.plain is None and segment.plain.strip():
                merged.plain = segment.plain
            if segment.html is not None and merged.html is None:
                merged.html = segment.html
        for attachment in sub.attachments:
            safe = unique_name(attachment.safe_name, _names(acc))
            acc.attachments.append(_renamed(attachment, safe))
        acc.has_dsn |= sub.has_dsn
        acc.has_mdn |= sub.has_mdn
    if merged.plain is not None or merged.html is not None:
        acc.segments.append(merged)


def _renamed(attachment: ParsedAttachment, safe: str) -> ParsedAttachment:
    if safe == attachment.safe_name:
        return attachment
    return ParsedAttachment(**{**attachment.__dict__, "safe_name": safe})


def _usable_plain(segment: _Segment) -> str | None:
    """Plain text unless empty or a "view this in HTML" placeholder (§4.3 rule 7)."""
    text = segment.plain
    if text is None or not text.strip():
        return None
    if segment.html is not None and len(text.strip()) < 120 and _PLACEHOLDER.search(text):
        return None
    return text


def _texts(segments: list[_Segment]) -> tuple[str, str]:
    """Full text and quote-cut source text of the body segments."""
    full, cut = [], []
    for segment in segments:
        plain = _usable_plain(segment)
        if plain is not None:
            full.append(plain.strip())
            cut.append(plain.strip())
        elif segment.html is not None:
            full.append(html_to_text(segment.html))
            cut.append(html_to_text(segment.html, cut_quotes=True))
    return "\n\n".join(t for t in full if t), "\n\n".join(t for t in cut if t)


def _tags(subject: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    normalized = unicodedata.normalize("NFKC", subject)
    found = (m.group(1) if m.groups() else m.group(0) for m in pattern.finditer(normalized))
    return tuple(dict.fromkeys(found))


def _load(raw: bytes) -> Message:
    data = bytes(raw)
    if not data.strip():
        raise MailParseError("empty mail")
    message = BytesParser(policy=policy.compat32).parsebytes(data)
    if not message.keys():
        raise MailParseError("no header fields")
    return message


def parse_email(
    raw: bytes,
    *,
    max_attachment_bytes: int = 20 * 1024 * 1024,
    tag_pattern: re.Pattern[str] = DEFAULT_TAG_PATTERN,
    loop_header: str = DEFAULT_LOOP_HEADER,
    own_domains: Collection[str] = (),
) -> ParsedEmail:
    """Parse raw mail bytes; recoverable problems become ``warnings``, never exceptions.

    Raises MailParseError only when the input is unusable (empty or without any header).
    ``own_domains`` marks Message-IDs under our domains as our own loop (notes/email.md §3.6).
    """
    message = _load(raw)
    acc = _Walk(max_bytes=max_attachment_bytes)
    acc.warnings.extend(f"mime: {type(defect).__name__}" for defect in message.defects)
    headers = _header_map(message, acc.warnings)
    _walk(message, acc)
    full_text, cut_source = _texts(acc.segments)
    new_text = strip_quotes(cut_source) if cut_source.strip() else full_text
    return _assemble(message, headers, acc, full_text, new_text or full_text,
                     tag_pattern=tag_pattern, loop_header=loop_header, own_domains=own_domains)


def _report_type(message: Message) -> str:
    """RFC 6522 report-type parameter of a multipart/report, lower-cased ("" when absent)."""
    value = decode_param(raw_header(message, "content-type"), "content-type", "report-type", [])
    return (value or "").lower()


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _assemble(
    message: Message, headers: dict[str, list[str]], acc: _Walk, full_text: str, new_text: str, *,
    tag_pattern: re.Pattern[str], loop_header: str, own_domains: Collection[str],
) -> ParsedEmail:
    warnings = acc.warnings
    sender = parse_addresses(_raw_all(message, "from"), warnings)
    sender = sender or parse_addresses(_raw_all(message, "sender"), warnings)
    from_name, from_address = sender[0] if sender else ("", "")
    subject = _first(headers, "subject") or ""
    message_id = normalize_message_id(_first(headers, "message-id"))
    loop = LoopInput(
        headers=headers, subject=subject, from_address=from_address,
        content_type=message.get_content_type(),
        report_type=_report_type(message),
        message_id=message_id, loop_marker=_first(headers, loop_header.lower()),
        has_dsn_part=acc.has_dsn, has_mdn_part=acc.has_mdn)
    reasons, no_ack_reason = ack_policy(headers, classify_automated(loop, own_domains=own_domains))
    is_bounce, is_receipt = detect_bounce(loop), detect_read_receipt(loop)
    original = find_original_message_id(message, full_text, message_id) if is_bounce or is_receipt else None
    references = extract_message_ids(" ".join(headers.get("references", [])))
    html_parts = [segment.html for segment in acc.segments if segment.html is not None]
    return ParsedEmail(
        message_id=message_id, in_reply_to=normalize_message_id(_first(headers, "in-reply-to")),
        references=tuple(references), subject=subject, from_address=from_address, from_name=from_name,
        reply_to=parse_addresses(_raw_all(message, "reply-to"), warnings),
        to=parse_addresses(_raw_all(message, "to"), warnings), cc=parse_addresses(_raw_all(message, "cc"), warnings),
        date=parse_date(raw_header(message, "date"), warnings),
        auto_submitted=_first(headers, "auto-submitted"), precedence=_first(headers, "precedence"),
        auto_response_suppress=_first(headers, "x-auto-response-suppress"),
        new_text=new_text, full_text=full_text, html="\n".join(html_parts) if html_parts else None,
        attachments=tuple(acc.attachments), is_bounce=is_bounce, is_read_receipt=is_receipt,
        original_message_id=original, is_automated=bool(reasons),
        automated_reason=reasons[0] if reasons else None, automated_reasons=reasons,
        loop_marker=loop.loop_marker, incident_tags=_tags(subject, tag_pattern),
        warnings=tuple(dict.fromkeys(warnings)), no_ack_reason=no_ack_reason)
