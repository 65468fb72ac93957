"""Charset ladder, RFC 2047/2231 decoding and safe file names (notes/email.md §4.1 and §4.3)."""

from __future__ import annotations

import base64

import pytest

from bot.channels.email_decode import (
    decode_bytes,
    decode_encoded_words,
    decode_header_value,
    decode_param,
    normalize_charset,
    safe_filename,
)


@pytest.mark.parametrize(("label", "codec"), [
    ("gb2312", "gb18030"), ("GBK", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"),
    ("windows-936", "gb18030"), ("euc-cn", "gb18030"), ("x-mac-chinesesimp", "gb18030"),
    ("big5", "big5hkscs"), ("ks_c_5601-1987", "cp949"), ("utf8", "utf-8"), ("no-such-charset", None), (None, None),
])
def test_normalize_charset(label: str | None, codec: str | None) -> None:
    assert normalize_charset(label) == codec


@pytest.mark.parametrize(("text", "encoding", "label"), [
    ("王喆的账号问题", "gbk", "gb2312"),       # GBK-only 喆 under a gb2312 label
    ("老师您好", "gbk", "utf-8"),               # wrong label
    ("老师您好", "gbk", None),                  # no label
    ("你好，测试邮件", "utf-8", "gb2312"),       # UTF-8 under a GB label must not become 浣犲ソ
    ("你好，测试邮件", "utf-8", "iso-8859-1"),
    ("網站無法登入", "big5", "big5"),
    ("𠀀 GB18030 four-byte", "gb18030", "gb2312"),
])
def test_decode_never_mojibakes(text: str, encoding: str, label: str | None) -> None:
    decoded = decode_bytes(text.encode(encoding), label)
    assert decoded.text == text
    assert decoded.confident


def test_invalid_utf8_keeps_utf8_with_replacement() -> None:
    data = ("Привет мир, " * 30).encode("utf-8") + b"\xff"
    decoded = decode_bytes(data, "utf-8")
    assert decoded.text.startswith("Привет мир") and decoded.text.endswith("\ufffd")
    assert not decoded.confident


def test_encoded_words_joined_across_split_characters() -> None:
    # "你好" in UTF-8 split inside the first character across two words (RFC 2047 §6.2 whitespace dropped).
    warnings: list[str] = []
    assert decode_encoded_words("=?utf-8?B?5L0=?= =?utf-8?B?oOWlvQ==?=", warnings) == "你好"
    assert decode_encoded_words("=?UTF-8?Q?a_b?= c", warnings) == "a b c"
    assert warnings == []


def test_bad_base64_in_encoded_word_does_not_raise() -> None:
    warnings: list[str] = []
    assert decode_header_value("=?utf-8?B?5L2g5aW?=", warnings) == "你\ufffd"
    assert decode_header_value("=?gb2312?B?***?=", warnings) == ""


def test_raw_8bit_header_is_recovered() -> None:
    raw = "网站故障".encode("gbk").decode("ascii", "surrogateescape")
    warnings: list[str] = []
    assert decode_header_value(raw, warnings) == "网站故障"
    assert warnings == ["header: raw 8-bit bytes decoded as gb18030"]


@pytest.mark.parametrize(("header", "name"), [
    (f'attachment; filename="=?gb18030?B?{base64.b64encode("报修单.docx".encode("gbk")).decode()}?="', "报修单.docx"),
    ("attachment; filename*=gbk''%B1%A8%D0%DE.txt", "报修.txt"),
    ("attachment; filename*0*=utf-8''%E6%8A%A5; filename*1*=%E4%BF%AE.txt", "报修.txt"),
    ('attachment; filename*0="a"; filename*1="b.txt"', "ab.txt"),
    ('attachment; filename="plain.txt"', "plain.txt"),
])
def test_decode_filename_param(header: str, name: str) -> None:
    assert decode_param(header, "content-disposition", "filename", []) == name


@pytest.mark.parametrize(("name", "index", "safe"), [
    ("报修单.docx", 1, "报修单.docx"),
    ("../../etc/passwd", 1, "passwd"),
    ("C:\\Users\\张三\\桌面\\截图.png", 1, "截图.png"),
    (".htaccess", 1, "htaccess"),
    ("a\x00b\x1fc\u202e.txt", 1, "abc.txt"),
    ('a<b>c:"d"|e?.txt', 1, "a_b_c__d__e_.txt"),
    ("CON.txt", 1, "_CON.txt"),
    ("", 3, "attachment-3.bin"),
    (None, 2, "attachment-2.bin"),
    ("...", 4, "attachment-4.bin"),
])
def test_safe_filename(name: str | None, index: int, safe: str) -> None:
    assert safe_filename(name, index) == safe


def test_safe_filename_caps_bytes_and_keeps_extension() -> None:
    safe = safe_filename("网" * 100 + ".docx", 1)
    assert safe.endswith(".docx")
    assert len(safe.encode("utf-8")) <= 150
    assert safe.startswith("网网")
