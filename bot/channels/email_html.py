"""HTML mail bodies to readable plain text (stdlib html.parser), optionally cut at quoted history."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_CELL_TAGS = frozenset({"td", "th"})

# Quote-history containers of common clients (notes/email.md §4.4; ids/classes, not Proton's code).
_QUOTE_IDS = frozenset({
    "isreplycontent", "isforwardcontent", "origbody", "reply139content", "orimsghtmlseperator",
    "olk_src_body_section", "divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container",
    "replysplit", "divneteasemailcard", "mailcontent_quote",
})
_QUOTE_CLASSES = frozenset({
    "gmail_quote", "gmail_extra", "gmail_attr", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote",
    "zmail_extra", "qmail_quote", "ntes-mailmaster-quote",
})
_PRE_SPACE = "\x00"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def find_meta_charset(data: bytes) -> str | None:
    """Return the charset named by an HTML <meta charset> or http-equiv tag, if any (§4.3 rule 6)."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _is_quote_container(tag: str, attrs: dict[str, str]) -> bool:
    if attrs.get("id", "").lower() in _QUOTE_IDS:
        return True
    classes = set(attrs.get("class", "").lower().split())
    if classes & _QUOTE_CLASSES:
        return True
    if tag == "blockquote" and attrs.get("type", "").lower() == "cite":
        return True
    if tag == "span" and attrs.get("title", "").lower() == "neteasefooter":
        return True
    # Foxmail's separator rule before the quoted block (modelled, §4.4).
    return tag == "hr" and attrs.get("color", "").lower() == "#b5c4df"


class _TextExtractor(HTMLParser):
    """Collects readable text; stops emitting at the first quote container when asked to."""

    def __init__(self, *, cut_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.cut_quotes = cut_quotes
        self.cut = False
        self._skip_depth = 0
        self._pre_depth = 0
        self._links: list[tuple[str | None, int]] = []
        self._list_stack: list[list[int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "") for key, value in attrs}
        if self.cut_quotes and not self.cut and _is_quote_container(tag, values):
            self.cut = True
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self._emit("\n")
        elif tag == "li":
            self._start_item()
        elif tag in _CELL_TAGS:
            self._emit(" ")
        elif tag == "a":
            self._links.append((values.get("href"), len(self.parts)))
        elif tag == "img" and values.get("alt"):
            self._emit(values["alt"])
        if tag in _BLOCK_TAGS:
            self._break_line()
        if tag == "pre":
            self._pre_depth += 1
        if tag in ("ul", "ol"):
            self._list_stack.append([0 if tag == "ol" else -1])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "a" and self._links:
            self._end_link(*self._links.pop())
        elif tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        elif tag in ("ul", "ol") and self._list_stack:
            self._list_stack.pop()
        if tag in _BLOCK_TAGS or tag == "li":
            self._break_line()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr", "meta", "link", "input"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:
            data = data.replace(" ", _PRE_SPACE)  # survives _tidy's per-line strip
        else:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
        self._emit(data.replace("\u00a0", " "))

    def _emit(self, text: str) -> None:
        if not self.cut:
            self.parts.append(text)

    def _break_line(self) -> None:
        """End the current line unless it is already ended (adjacent blocks give one newline)."""
        for part in reversed(self.parts):
            stripped = part.strip(" ")
            if stripped:
                if not stripped.endswith("\n"):
                    self._emit("\n")
                return

    def _start_item(self) -> None:
        self._break_line()
        counter = self._list_stack[-1] if self._list_stack else [-1]
        if counter[0] >= 0:
            counter[0] += 1
            self._emit(f"{counter[0]}. ")
        else:
            self._emit("- ")

    def _end_link(self, href: str | None, start: int) -> None:
        if not href or href.startswith(("#", "javascript:", "cid:")):
            return
        target = href[7:] if href.lower().startswith("mailto:") else href
        label = "".join(self.parts[start:]).strip()
        if target and label and target not in label:
            self._emit(f" ({target})")


def _tidy(text: str) -> str:
    lines = [line.strip(" ") for line in text.replace("\r", "").split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip().replace(_PRE_SPACE, " ")


def html_to_text(html: str, *, cut_quotes: bool = False) -> str:
    """Convert HTML to readable text: blocks and <br> become newlines, lists get bullets,
    links read "text (url)", script/style are dropped, entities unescaped, whitespace collapsed.

    With ``cut_quotes`` everything from the first known quote-history container on is dropped.
    """
    parser = _TextExtractor(cut_quotes=cut_quotes)
    try:
        parser.feed(html.replace(_PRE_SPACE, ""))
        parser.close()
    except (AssertionError, ValueError) as err:  # html.parser is lenient; keep whatever was parsed
        logger.debug("html parse stopped early: %s", err)
    return _tidy("".join(parser.parts))
