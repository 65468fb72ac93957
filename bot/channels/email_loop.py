"""Loop-safety classification of inbound mail: automated senders, bounces, read receipts, original ids."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email import policy

logger = logging.getLogger(__name__)

Headers = Mapping[str, Sequence[str]]

_ID_TOKEN = re.compile(r"<([^<>\s]+)>|([^\s,;<>()\"']+@[^\s,;<>()\"']+)")
_SYSTEM_LOCALPART = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|auto[-_.]?reply)"
    r"([-+_.].*)?$", re.I)
_BOUNCE_LOCALPART = re.compile(r"^(mailer-daemon|postmaster)([-+_.].*)?$", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(Undelivered Mail Returned to Sender|Delivery Status Notification \(Failure\)|Mail delivery failed"
    r"|Undeliverable\s*:|Undelivered Mail|Delivery Failure|Returned mail\s*:|Delivery Notification\s*:"
    r"|Failure Notice|系统退信|退信|邮件投递失败|投递失败)", re.I)
# RFC 3834 §3.1.7 leaves the subject free; these are the vendor defaults in Chinese and English.
_OUT_OF_OFFICE = re.compile(
    r"^\s*[\[【(（]?\s*(自动回复|自动答复|自動回覆|Auto(matic)?[ -]?Reply|Auto[ -]?Response|Out of (the )?Office"
    r"|休假(中|通知)?|外出|不在办公室)\s*[\]】)）:：]", re.I)
_AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponse", "x-autoreply-from",
                      "x-mail-autoreply", "x-ms-exchange-inbox-rules-loop")
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe",
                 "list-owner", "list-archive", "x-mailing-list")


def normalize_message_id(value: str | None) -> str | None:
    """Return the first Message-ID in value without angle brackets (RFC 5322 §3.6.4), or None."""
    ids = extract_message_ids(value)
    if ids:
        return ids[0]
    bare = (value or "").strip().strip("<>").strip()
    return bare or None  # keep odd ids (no "@") so deduplication still works


def extract_message_ids(value: str | None) -> list[str]:
    """Return every id in a References/In-Reply-To value, leniently (folded, commas, no brackets)."""
    if not value:
        return []
    found = [bracketed or bare for bracketed, bare in _ID_TOKEN.findall(value)]
    seen: dict[str, None] = {}
    for item in found:
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _first(headers: Headers, name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _localpart(address: str) -> str:
    return address.rsplit("@", 1)[0] if "@" in address else address


@dataclass(frozen=True)
class LoopInput:
    """What the classifier needs from a parsed mail (headers keyed by lower-case name)."""

    headers: Headers
    subject: str
    from_address: str
    content_type: str
    report_type: str
    message_id: str | None
    loop_marker: str | None
    has_dsn_part: bool
    has_mdn_part: bool


def detect_read_receipt(data: LoopInput) -> bool:
    """RFC 8098 MDN: multipart/report; report-type=disposition-notification, or such a part."""
    return data.report_type == "disposition-notification" or data.has_mdn_part


def detect_bounce(data: LoopInput) -> bool:
    """RFC 3464 DSN or a non-standard bounce recognised by sender, headers or subject (§3.6)."""
    if detect_read_receipt(data):
        return False
    if data.report_type == "delivery-status" or data.has_dsn_part:
        return True
    if "x-failed-recipients" in data.headers:
        return True
    if _BOUNCE_LOCALPART.match(_localpart(data.from_address)):
        return True
    return bool(_BOUNCE_SUBJECT.match(data.subject))


def _header_reasons(headers: Headers) -> Iterator[str]:
    auto = (_first(headers, "auto-submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        yield "auto-submitted"  # RFC 3834 §5: anything but "no" is automatic
    for name in ("precedence", "x-precedence"):
        value = (_first(headers, name) or "").strip().lower()
        if value.startswith(("bulk", "junk", "list", "auto_reply")):
            yield "precedence"
    if any(name in headers for name in _LIST_HEADERS):
        yield "list-header"  # RFC 2369 / RFC 2919
    if any(name in headers for name in _AUTOREPLY_HEADERS):
        yield "autoreply-header"
    return_path = _first(headers, "return-path")
    if return_path is not None and return_path.replace(" ", "").strip("<>") == "":
        yield "null-return-path"  # RFC 5321 §4.5.5 null reverse-path


def classify_automated(data: LoopInput, *, own_domains: Collection[str] = ()) -> tuple[str, ...]:
    """Return every loop-safety reason that applies (empty means a human wrote it).

    Reasons: own-loop, own-message-id, auto-submitted, precedence, list-header, autoreply-header,
    null-return-path, system-sender, multipart-report, bounce, read-receipt, out-of-office.
    ``X-Auto-Response-Suppress`` is deliberately not a reason (sisimai#491, notes §3.5).
    """
    reasons: list[str] = []
    if data.loop_marker:
        reasons.append("own-loop")
    domain = (data.message_id or "").rsplit("@", 1)[-1].lower()
    if data.message_id and domain in {item.lower() for item in own_domains}:
        reasons.append("own-message-id")
    reasons.extend(_header_reasons(data.headers))
    if _SYSTEM_LOCALPART.match(_localpart(data.from_address)):
        reasons.append("system-sender")
    if data.content_type == "multipart/report":
        reasons.append("multipart-report")  # RFC 6522
    if detect_bounce(data):
        reasons.append("bounce")
    if detect_read_receipt(data):
        reasons.append("read-receipt")
    if _OUT_OF_OFFICE.match(data.subject):
        reasons.append("out-of-office")
    return tuple(dict.fromkeys(reasons))


# X-Auto-Response-Suppress values ([MS-OXCMAIL] §2.2.3.2.14) that cover an acknowledgement:
# All, AutoReply and OOF. DR, NDR, RN and NRN are about delivery and read receipts only.
_SUPPRESS_ACK = frozenset({"all", "autoreply", "oof"})
# Reasons that only say the mail came through a list or bulk path, not that a machine wrote it.
_LIST_ONLY = frozenset({"precedence", "list-header"})


def declared_human(headers: Headers) -> bool:
    """``Auto-Submitted: no`` (RFC 3834 §5: the sender says a person originated it)."""
    value = (_first(headers, "auto-submitted") or "").split(";")[0].split("(")[0]
    return value.strip().lower() == "no"


def suppresses_ack(value: str | None) -> bool:
    """Whether an ``X-Auto-Response-Suppress`` value asks for no automatic reply."""
    tokens = {t.strip().lower() for t in re.split(r"[,;\s]+", value or "") if t.strip()}
    return bool(tokens & _SUPPRESS_ACK)


def ack_policy(headers: Headers, reasons: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """Split the classifier's reasons into (what makes the mail automated, why a mail that a
    person wrote still gets no acknowledgement), notes §3.5/§3.6:

    * ``X-Auto-Response-Suppress`` with All, AutoReply or OOF: a person's mail (Outlook sets it
      on ordinary mail, sisimai#491); it opens an incident, but we send no acknowledgement.
    * ``Auto-Submitted: no`` with only list/bulk signals (``Precedence: bulk|list|junk``,
      ``List-*``): a person's mail sent through a list or a bulk path; it opens an incident,
      without an acknowledgement (RFC 3834 §2: do not answer list or bulk mail). Without the
      explicit ``no`` such mail stays automated (newsletters open nothing); ``Precedence:
      auto_reply`` or any other signal (bounce, system sender, ...) also keeps it automated.
    """
    if not reasons:
        suppress = _first(headers, "x-auto-response-suppress")
        return (), ("auto-response-suppress" if suppresses_ack(suppress) else None)
    precedence = {(_first(headers, name) or "").strip().lower()
                  for name in ("precedence", "x-precedence")}
    if (declared_human(headers) and set(reasons) <= _LIST_ONLY
            and not any(p.startswith("auto_reply") for p in precedence)):
        return (), "list-mail:" + ",".join(reasons)
    return tuple(reasons), None


def _fields_of(part: Message) -> Iterator[tuple[str, str]]:
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    for block in blocks:
        if isinstance(block, Message):
            yield from ((name.lower(), str(value)) for name, value in block.raw_items())


def _headers_of_text(part: Message) -> Message | None:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data.strip():
        return None
    return BytesHeaderParser(policy=policy.compat32).parsebytes(data)


def _embedded_message_id(part: Message) -> str | None:
    ctype = part.get_content_type()
    if ctype in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return normalize_message_id(raw_header(inner[0], "message-id"))
    if ctype in ("text/rfc822-headers", "message/rfc822-headers", "text/global-headers"):
        parsed = _headers_of_text(part)
        return normalize_message_id(raw_header(parsed, "message-id")) if parsed else None
    return None


def raw_header(message: Message, name: str) -> str | None:
    """First raw value of a header (name in lower case), 8-bit bytes still surrogate-escaped."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def find_original_message_id(message: Message, fallback_text: str = "", own_id: str | None = None) -> str | None:
    """Message-ID of the mail a DSN/MDN reports on: RFC 8098 Original-Message-ID, then the embedded
    message/rfc822 or text/rfc822-headers (RFC 3462), then a "Message-ID:" line in the text.
    """
    parts = list(message.walk())
    for part in parts:
        if part.get_content_type() in ("message/disposition-notification", "message/delivery-status"):
            for name, value in _fields_of(part):
                if name in ("original-message-id", "x-original-message-id"):
                    found = normalize_message_id(value)
                    if found:
                        return found
    for part in parts:
        if part is not message:
            found = _embedded_message_id(part)
            if found:
                return found
    for match in re.finditer(r"(?im)^\s*(?:original-)?message-id\s*:\s*(<[^<>\s]+>)", fallback_text):
        found = normalize_message_id(match.group(1))
        if found and found != own_id:
            return found
    return None
