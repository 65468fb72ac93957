"""Normalise QQ and mail text into the plain simplified-Chinese form the matcher indexes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import zhconv  # type: ignore[import-untyped]

# QQ/OneBot codes such as [CQ:at,qq=1] or [CQ:image,file=...]; QQ placeholders such as [图片].
_CQ_CODE = re.compile(r"\[CQ:[^\]]*\]")
_QQ_PLACEHOLDER = re.compile(r"[\[【](?:图片|表情|动画表情|语音|视频|文件|位置|链接|红包|回复|戳一戳|闪照|[a-z]{1,12})[\]】]")
_FACE_NAMES = (
    "微笑|撇嘴|色|发呆|流泪|害羞|闭嘴|睡|大哭|尴尬|发怒|调皮|呲牙|惊讶|难过|抓狂|吐|偷笑|可爱|白眼|傲慢|困|惊恐|流汗"
    "|憨笑|大兵|奋斗|咒骂|疑问|嘘|晕|再见|擦汗|抠鼻|鼓掌|坏笑|哈欠|鄙视|委屈|快哭了|阴险|亲亲|可怜|玫瑰|爱心|强|弱"
    "|握手|胜利|抱拳|ok|捂脸|奸笑|机智|皱眉|耶|吃瓜|加油|汗|天啊"
)
_QQ_FACE = re.compile(f"/(?:{_FACE_NAMES})")
_MENTION = re.compile(r"@\S{1,24}?(?=\s|$|[，,。:：])|@\S{1,24}\s")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Mail: quoted replies and everything after a forwarded/original-message marker or a signature.
_MAIL_TAIL = re.compile(
    r"(?:-{2,}\s*(?:原始邮件|original message|forwarded message)|^--\s*$|^发件人[:：]|^from:\s).*", re.I | re.M | re.S
)
_QUOTED_LINE = re.compile(r"^\s*>.*$", re.M)
_FILLERS = re.compile(
    "|".join(
        [
            r"(?:各位|亲爱的)?老师(?:们)?(?:您好|你好|好)",
            r"(?:大家好|各位好|您好|你好|hello|hi|哈喽|嗨)(?:呀|啊)?",
            r"在吗|在不在|有人吗|打扰(?:一下|了)?|不好意思",
            r"(?:请问|麻烦问|想问|咨询)(?:一下|下)?|(?<![访疑提发])问一下|(?<![访疑提发])问下",
            r"请教(?:一下)?|麻烦(?:您|你|老师)?(?:了)?|求助|求教",
            r"谢谢(?:老师|您|你|啦|了)?|感谢|多谢|辛苦(?:了|啦)?",
            r"[哈嘿呵嗯额呃]{2,}|急急急|急+[!！]*$",
        ]
    )
)
# A message made only of acknowledgements ("收到，谢谢老师👍") is chat, not a question.
_ACK_ONLY = re.compile(r"(?:\s|好的|好滴|收到|明白了?|知道了|了解了?|懂了|ok|okay|嗯|哦|噢|行|可以了|解决了|好了)*")
# Quoted names (“学术交流”, 「招生就业」, 《管理办法》): the user's own column, page or document titles.
_QUOTED = re.compile(r"“[^”]{1,20}”|‘[^’]{1,20}’|「[^」]{1,20}」|『[^』]{1,20}』|《[^》]{1,20}》|\"[^\"]{1,20}\"")
_NON_TEXT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\s]")
_SPACES = re.compile(r"\s+")
_TRAILING_PARTICLES = re.compile(r"(?:[吗呢吧呀啊哦嘛]+)(?=\s|$)")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified ones."""
    return str(zhconv.convert(text, "zh-cn"))


def strip_chat_markup(text: str) -> str:
    """Remove QQ codes, placeholders, faces, mentions, URLs, addresses and mail quotes."""
    text = _MAIL_TAIL.sub(" ", text)
    text = _QUOTED_LINE.sub(" ", text)
    text = _CQ_CODE.sub(" ", text)
    text = _QQ_PLACEHOLDER.sub(" ", text)
    text = _QQ_FACE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return _MENTION.sub(" ", text + " ")


def normalize_text(text: str) -> str:
    """Return ``text`` as lower-case, half-width, simplified Chinese without chat noise or fillers."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_chat_markup(text).lower()
    text = to_simplified(text)
    text = _NON_TEXT.sub(" ", text)  # punctuation, emoji and symbols
    text = _FILLERS.sub(" ", text)
    text = _TRAILING_PARTICLES.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return "" if _ACK_ONLY.fullmatch(text) else text


def without_quoted_names(text: str) -> str:
    """``text`` with quoted names removed: what a column or document is called says nothing about whether the
    question is one the knowledge base covers."""
    return _QUOTED.sub(" ", text)


def normalize_field(text: str) -> str:
    """Normalise authored article text (no filler removal, which could eat real words)."""
    text = to_simplified(unicodedata.normalize("NFKC", text).lower())
    return _SPACES.sub(" ", _NON_TEXT.sub(" ", text)).strip()
