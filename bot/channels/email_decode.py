"""Charset-safe decoding of mail bytes, RFC 2047 headers, RFC 2231 parameters and attachment names."""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import quopri
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

logger = logging.getLogger(__name__)

# notes/email.md §4.3 rule 2: every GB label means the GBK decoder, i.e. gb18030
# (WHATWG; mikel/mail#504, osTicket#2000, Thunderbird bug 1174580).
_GB_LABELS = frozenset({
    "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn",
    "csgb2312", "gb_2312", "gb_2312-80", "chinese", "iso-ir-58", "x-mac-chinesesimp",
    "gb18030", "gb-18030", "cn-gb", "csgbk", "936",
})
_OTHER_ALIASES = {
    "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs", "csbig5": "big5hkscs",
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}
# Labels that carry no real information: never trusted over the UTF-8 / GB18030 tests.
_WEAK_LABELS = frozenset({"", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"})
_STATEFUL_PREFIXES = ("utf-7", "utf-16", "utf-32", "iso-2022", "hz", "utf_16", "utf_32")
_REPLACEMENT = "\ufffd"

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_WS_ONLY = re.compile(r"[ \t\r\n]*")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_CHINA_TZ = timezone(timedelta(hours=8))
_LOOSE_DATE = re.compile(
    r"(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\D{0,12}?(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*([+-])(\d{2}):?(\d{2}))?")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the codec that produced it and whether it was a clean decode."""

    text: str
    charset: str
    confident: bool


def normalize_charset(label: str | None) -> str | None:
    """Map a MIME charset label to a Python codec name, or None when it is missing or unknown."""
    if not label:
        return None
    name = label.strip().strip('"\'').lower()
    name = name.split("*", 1)[0]  # RFC 2231 §5 language suffix in encoded-words
    if name in _GB_LABELS:
        return "gb18030"
    name = _OTHER_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: NUL inside a mangled label
        return None
    return "gb18030" if codec in ("gbk", "gb2312") else codec


def _is_weak(label: str | None) -> bool:
    return label is None or label.strip().lower() in _WEAK_LABELS


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_gb2312(text: str) -> bool:
    """True when at least 80% of the non-ASCII characters are in the GB2312 repertoire (§4.3 rule 3.5)."""
    wide = [ch for ch in text if ord(ch) > 0x7F][:4000]  # a sample is enough; bodies can be megabytes
    if not wide:
        return True
    hits = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            hits += 1
        except UnicodeEncodeError:
            pass
    return hits >= 0.8 * len(wide)


def _mostly_cjk(text: str) -> bool:
    wide = [ch for ch in text if ord(ch) > 0x7F][:4000]
    cjk = [ch for ch in wide if unicodedata.name(ch, "").startswith(("CJK", "FULLWIDTH", "IDEOGRAPHIC"))]
    return bool(wide) and len(cjk) >= 0.8 * len(wide)


def _replace_ratio(text: str) -> float:
    return text.count(_REPLACEMENT) / max(len(text), 1)


def decode_bytes(data: bytes, label: str | None = None) -> Decoded:
    """Decode bytes following notes/email.md §4.3 rule 3: never mojibake valid UTF-8 or GBK text."""
    declared = normalize_charset(label)
    if declared and declared.startswith(_STATEFUL_PREFIXES):
        return Decoded(data.decode(declared, "replace"), declared, True)
    if data.isascii():
        return Decoded(data.decode("ascii"), "ascii", True)
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", True)
    truncated = _utf8_with_cut_tail(data)
    if truncated is not None:
        return Decoded(truncated, "utf-8", False)
    if declared and not _is_weak(label):
        text = _strict(data, declared)
        if text is not None:
            return Decoded(text, declared, True)
    return _decode_guess(data, declared)


def _incomplete_utf8(tail: bytes) -> bool:
    """True if tail is a UTF-8 lead byte plus fewer continuation bytes than it announces."""
    lead = tail[0]
    needed = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
    return len(tail) < needed and all(0x80 <= byte <= 0xBF for byte in tail[1:])


def _utf8_with_cut_tail(data: bytes) -> str | None:
    """UTF-8 whose last character was cut off (truncated base64, a split encoded-word)."""
    for cut in (1, 2, 3):
        head, tail = data[:-cut], data[-cut:]
        if head and not head.isascii() and _incomplete_utf8(tail):
            text = _strict(head, "utf-8")
            if text is not None:
                return text + _REPLACEMENT
    return None


def _decode_guess(data: bytes, declared: str | None) -> Decoded:
    """Ladder steps 5–8 for bytes that are neither ASCII, UTF-8 nor valid in the declared charset."""
    text = _strict(data, "gb18030")
    if text is not None and _mostly_gb2312(text):
        return Decoded(text, "gb18030", True)
    big5 = _strict(data, "big5hkscs")
    if big5 is not None and _mostly_cjk(big5):
        return Decoded(big5, "big5hkscs", True)
    for codec in (declared, "utf-8"):
        if codec:
            candidate = data.decode(codec, "replace")
            if _replace_ratio(candidate) <= 0.005:
                return Decoded(candidate, codec, False)
    if declared:
        return Decoded(data.decode(declared, "replace"), declared, False)
    return Decoded(data.decode("gb18030", "replace"), "gb18030", False)


def describe_fallback(decoded: Decoded, label: str | None, where: str) -> str | None:
    """Return a warning text when decoding deviated from the declared charset, else None."""
    declared = normalize_charset(label)
    if label and declared is None and decoded.charset != "ascii":
        return f"{where}: unknown charset {label!r}, decoded as {decoded.charset}"
    if not decoded.confident:
        return f"{where}: undecodable bytes, decoded as {decoded.charset} with replacement"
    if declared and decoded.charset not in ("ascii", declared) and not _is_weak(label):
        return f"{where}: declared {label!r} but decoded as {decoded.charset}"
    if declared is None and decoded.charset not in ("ascii", "utf-8"):
        return f"{where}: no charset declared, decoded as {decoded.charset}"
    return None


def surrogates_to_bytes(value: str) -> bytes | None:
    """Recover raw 8-bit header bytes that the email package surrogate-escaped, or None if there are none."""
    if value.isascii():
        return None
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return None  # already real text (e.g. produced by a lenient upstream)


def _lenient_b64(payload: str) -> bytes:
    cleaned = _B64_JUNK.sub(b"", payload.encode("ascii", "ignore"))
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except binascii.Error:
        return b""


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        return _lenient_b64(payload)
    # RFC 2047 §4.2: "_" stands for space in the Q encoding.
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", "ignore"))


def _flush(chunks: list[str], pending: tuple[str, bytes] | None, warnings: list[str]) -> None:
    if pending is None:
        return
    label, data = pending
    decoded = decode_bytes(data, label)
    note = describe_fallback(decoded, label, "header")
    if note:
        warnings.append(note)
    chunks.append(decoded.text)


def decode_encoded_words(value: str, warnings: list[str]) -> str:
    """Decode RFC 2047 encoded-words anywhere in value, joining adjacent words of one charset first.

    Adjacent words are joined at the byte level because clients split multibyte characters across
    words; whitespace between encoded-words is dropped (RFC 2047 §6.2). Broken base64 is padded.
    """
    chunks: list[str] = []
    pending: tuple[str, bytes] | None = None
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos:match.start()]
        label, data = match.group(1), _word_bytes(match.group(2), match.group(3))
        if pending is not None and _WS_ONLY.fullmatch(gap) and pending[0].lower() == label.lower():
            pending = (label, pending[1] + data)
        else:
            _flush(chunks, pending, warnings)
            if not (pending is not None and _WS_ONLY.fullmatch(gap)):
                chunks.append(gap)
            pending = (label, data)
        pos = match.end()
    _flush(chunks, pending, warnings)
    chunks.append(value[pos:])
    return "".join(chunks)


def decode_header_value(raw: str | None, warnings: list[str]) -> str:
    """Decode a raw header value: unfold, recover 8-bit bytes, then decode RFC 2047 words."""
    if raw is None:
        return ""
    value = re.sub(r"\r?\n[ \t]*", " ", str(raw))
    data = surrogates_to_bytes(value)
    if data is not None:
        decoded = decode_bytes(data)
        if decoded.charset != "utf-8":  # raw UTF-8 is legal (RFC 6532); anything else is a repair
            warnings.append(f"header: raw 8-bit bytes decoded as {decoded.charset}")
        value = decoded.text
    if "=?" in value:
        value = decode_encoded_words(value, warnings)
    return value.strip()


def _param_from(header_value: str, header_name: str, param: str) -> str | tuple[str, str, str] | None:
    """Read one parameter through the stdlib parser (RFC 2231 continuations included)."""
    holder = Message()
    holder[header_name] = header_value
    try:
        found = holder.get_param(param, None, header=header_name)
    except (TypeError, ValueError, IndexError):
        # email.utils.decode_params fails on some malformed RFC 2231 continuations (e.g. "name*=x").
        logger.debug("unparseable %s parameters", header_name)
        return None
    if isinstance(found, tuple):
        charset, language, text = found
        return (charset or "", language or "", text)
    return found


def _rfc2231_to_text(value: tuple[str, str, str], warnings: list[str]) -> str:
    charset, _language, text = value
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return text
    decoded = decode_bytes(data, charset or None)
    note = describe_fallback(decoded, charset or None, "filename")
    if note:
        warnings.append(note)
    return decoded.text


def decode_param(raw_header: str | None, header_name: str, param: str, warnings: list[str]) -> str | None:
    """Decode a Content-Type/Content-Disposition parameter per §4.3 rules 4–5, or None when absent."""
    if not raw_header:
        return None
    value = re.sub(r"\r?\n[ \t]*", " ", raw_header)
    data = surrogates_to_bytes(value)
    if data is not None:
        # Rewrite the raw 8-bit header before reading parameters (§4.3 rule 4).
        value = decode_bytes(data).text
    found = _param_from(value, header_name, param)
    if found is None:
        return None
    text = _rfc2231_to_text(found, warnings) if isinstance(found, tuple) else found
    if "=?" in text:
        # RFC 2047 inside a quoted string: wrong per RFC 2047 §5, but Outlook/Foxmail/QQ do it.
        text = decode_encoded_words(text, warnings)
    return text


_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", "ignore")


def safe_filename(name: str | None, index: int, *, max_bytes: int = 150, default_ext: str = ".bin") -> str:
    """Return a storage-safe file name: no path, control chars or leading dots; Chinese kept; byte-capped.

    Falls back to ``attachment-<index><default_ext>`` when nothing usable remains.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = _UNSAFE_CHARS.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip().rstrip(". ")
    if not text or not text.strip("_"):
        return f"attachment-{index}{default_ext}"
    if _RESERVED.match(text):
        text = "_" + text
    if len(text.encode("utf-8")) > max_bytes:
        ext_match = _EXTENSION.search(text)
        ext = ext_match.group(0) if ext_match else ""
        stem = text[: len(text) - len(ext)]
        text = _truncate_utf8(stem, max_bytes - len(ext.encode("utf-8"))).rstrip(". ") + ext
    return text


def parse_addresses(values: list[str], warnings: list[str]) -> tuple[tuple[str, str], ...]:
    """Parse address headers into (name, lower-cased address).

    Raw 8-bit bytes are decoded before parsing (GBK trail bytes may look like "@" or "\\"),
    RFC 2047 names after it.
    """
    texts = []
    for value in values:
        data = surrogates_to_bytes(value)
        texts.append(decode_bytes(data).text if data is not None else value)
    found = []
    for name, address in getaddresses([re.sub(r"\r?\n[ \t]*", " ", text) for text in texts]):
        name = decode_header_value(name, warnings) if name else ""
        if address or name:
            found.append((name, address.strip().lower()))
    return tuple(found)


def parse_date(raw: str | None, warnings: list[str]) -> datetime | None:
    """Parse a Date header (RFC 5322 §3.3) to aware UTC, leniently; None with a warning on failure."""
    if not raw:
        return None
    text = decode_header_value(raw, warnings)
    try:
        parsed: datetime | None = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = loose_date(text)
        if parsed is not None:
            warnings.append(f"date: non-RFC 5322 date {text!r} read leniently")
    if parsed is None:
        warnings.append(f"date: unparseable {text!r}")
        return None
    if parsed.tzinfo is None:
        warnings.append("date: no time zone (-0000), assumed UTC")
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        warnings.append(f"date: out of range {text!r}")
        return None


def loose_date(text: str) -> datetime | None:
    """Dates such as ``2026-11-20 10:00:00 +0800`` or ``2026年11月20日 10:00`` (China time if no zone)."""
    match = _LOOSE_DATE.search(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    zone = _CHINA_TZ
    if match.group(7):
        offset = timedelta(hours=int(match.group(8)), minutes=int(match.group(9)))
        zone = timezone(offset if match.group(7) == "+" else -offset)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
