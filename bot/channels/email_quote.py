"""Cut quoted history and sure signatures from reply text, for Chinese and English mail clients."""

from __future__ import annotations

import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

# Markers from notes/email.md §4.4, matched on NFKC-normalised lines (full-width colons and
# ideographic spaces become ASCII), so "发件人：" and "发件人:" are the same.
_SEPARATORS = (
    # QQ Mail / Foxmail: "------------------ 原始邮件 ------------------"; Coremail, old Outlook:
    # "-----原始邮件-----", "-----Original Message-----"; QQ English UI "---- Original ----".
    re.compile(r"^-{3,}\s*(原始邮件|原邮件|转发邮件信息|Original(\s+Message)?|Forwarded message)\s*-{3,}\s*$", re.I),
    re.compile(r"^(>\s*)?在.{0,160}\d.{0,160}写道\s*:\s*$"),           # 163/126, iPhone, Thunderbird
    re.compile(r"^.{0,120}于\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,30}写道\s*:\s*$"),  # Gmail zh
    re.compile(r"^(>\s*)?On\s.{0,200}wrote:\s*$", re.I),                # Gmail/Apple English
    re.compile(r"^(>\s*)?At\s.{0,200}wrote:\s*$", re.I),                # NetEase English UI
)
_UNDERSCORE_LINE = re.compile(r"^_{20,}\s*$")                            # Outlook zh-CN
_HEADER_FIELD = re.compile(
    r"^\*?(发件人|发送时间|收件人|抄送|主题|日期|时间|From|Sent|Date|To|Cc|Subject)\*?\s*:", re.I)
_HEADER_START = re.compile(r"^\*?(发件人|From)\*?\s*:", re.I)
# Sure signature / footer markers only (§4.4): RFC 3676 §4.3 "-- ", mobile client footers.
_SIGNATURE = re.compile(
    r"^(--\s?|发自我的(iPhone|iPad|手机|Android手机|华为手机|小米手机)|Sent from my (iPhone|iPad|Android)"
    r"|Get Outlook for (iOS|Android)|从\s?Windows\s?版邮件发送|发自网易邮箱大师|来自网易邮箱大师"
    r"|Sent from Mail for Windows)\s*$", re.I)
_QUOTED_LINE = re.compile(r"^\s*>")
_ENTITIES = (("&nbsp;", " "), ("&gt;", ">"), ("&lt;", "<"), ("&amp;", "&"))


def normalize_line(line: str) -> str:
    """Normalise a line for marker matching: entities, NBSP, full-width forms (NFKC), outer space."""
    for entity, char in _ENTITIES:
        line = line.replace(entity, char)
    return unicodedata.normalize("NFKC", line).replace("\u00a0", " ").strip()


def _is_separator(lines: list[str], index: int) -> bool:
    line = lines[index]
    if any(pattern.match(line) for pattern in _SEPARATORS):
        return True
    if index + 1 < len(lines) and len(line) < 160:
        # Attribution lines wrapped over two lines ("On Fri, … <a@b>" / "wrote:").
        joined = f"{line} {lines[index + 1]}"
        if any(pattern.match(joined) for pattern in _SEPARATORS[1:]):
            return True
    if _UNDERSCORE_LINE.match(line):
        following = [text for text in lines[index + 1:index + 4] if text]
        return any(_HEADER_START.match(text) for text in following)
    return _is_header_block(lines, index)


def _is_header_block(lines: list[str], index: int) -> bool:
    """Two or more consecutive Outlook/Foxmail header lines starting with 发件人/From."""
    if not _HEADER_START.match(lines[index]):
        return False
    return index + 1 < len(lines) and bool(_HEADER_FIELD.match(lines[index + 1]))


def _find_cut(lines: list[str]) -> int | None:
    """Index of the first line of quoted history or sure signature, or None."""
    for index, line in enumerate(lines):
        if not line:
            continue
        if _SIGNATURE.match(line) or _is_separator(lines, index):
            return index
    return None


def _trailing_quote_start(lines: list[str]) -> int | None:
    """Start of a run of ">" lines (blank lines allowed) that reaches the end of the text."""
    start = None
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index]:
            continue
        if _QUOTED_LINE.match(lines[index]):
            start = index
        else:
            break
    return start


def strip_quotes(text: str) -> str:
    """Return the new part of a reply: cut at the first quote marker or sure signature, then drop a
    trailing run of ">" lines. Never returns an empty string for a non-empty text: if everything
    looks quoted, the full text is returned (notes/email.md §4.4).
    """
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [normalize_line(line) for line in raw_lines]
    cut = _find_cut(lines)
    if cut is not None:
        raw_lines, lines = raw_lines[:cut], lines[:cut]
    quote_start = _trailing_quote_start(lines)
    if quote_start is not None:
        raw_lines = raw_lines[:quote_start]
    kept = "\n".join(line.replace("&nbsp;", " ").rstrip() for line in raw_lines).strip()
    kept = re.sub(r"\n{3,}", "\n\n", kept)
    if not kept:
        logger.debug("quote stripping left nothing; keeping the full text")
        return text.strip()
    return kept
