"""Domain evidence derived from the knowledge base itself: is a question about something the KB talks about?

A word is *in domain* when it occurs in the KB's titles, keywords/synonyms or similar questions (or in the shared
synonym lexicon). A question whose distinctive words (two or more characters, not everyday words of general Chinese)
are mostly absent from that vocabulary is about something else, however many generic words it shares with an
article. Names of other campus systems (lexicon.CAMPUS_SYSTEMS) are weak evidence: they count extra as absent.
University context (people, units, events: lexicon.CAMPUS_CONTEXT_WORDS), amounts and times are skipped; everyday
words of web work (lexicon.WORK_WORDS) count as known. A question that is about another system outright (财务系统的
报表, 企业微信的审批, 云盘里的文件) is wholly foreign.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge_base.lexicon import (
    ACTION_CLASSES,
    CAMPUS_CONTEXT_WORDS,
    CAMPUS_SYSTEMS,
    DOMAIN_WORDS,
    ENGLISH_FUNCTION_WORDS,
    WORK_WORDS,
    has_term,
)
from knowledge_base.tokenizer import DomainTokenizer, synonym_terms

# A word this frequent in jieba's general-Chinese dictionary is an everyday word (知道, 时候, 学校), not distinctive.
GENERIC_FREQUENCY = 5000
# How much a named campus system outweighs one ordinary absent word.
CAMPUS_SYSTEM_WEIGHT = 4.0


# A context word, or a compound ending in one (开学典礼, 学术讲座): in Chinese the head comes last.
_CONTEXT_HEADS = tuple(CAMPUS_CONTEXT_WORDS)
# "X系统 / X平台": a system named by what it is for (X is the word right before, 管理 aside); the question is about
# it unless X is the KB's own vocabulary.
_SYSTEM_WORDS = ("系统", "平台")
# Owners, not names: 学校系统 or 我们平台 may well be the website cluster itself.
_OWNERS = frozenset(("学校", "学院", "我们", "咱们", "单位", "部门", "本校", "全校", "整个", "新", "老"))
# A campus system as the owner or place of the thing asked about (企业微信的审批, 云盘里的文件, 钉钉上), or owning an
# account part named right after it (邮箱密码, 公众号后台, 邮箱容量).
_OWNED_BY = r"\s*(?:的|里|里面|中|上|密码|账号|帐号|登录|登陆|后台|容量|管理员)"
# Systems and platforms (not devices: 电脑上 is where a page is viewed) that own what a question is about.
_POSSESSIVE_SYSTEMS = (
    "邮箱", "教务", "一卡通", "校园卡", "图书馆", "知网", "钉钉", "企业微信", "公众号", "腾讯会议", "云盘", "网盘",
    "小程序", "学习通", "问卷星", "超星", "雨课堂", "u盘", "移动硬盘",
)


class DomainVocabulary:
    """The words of the KB's titles, keywords and similar questions, and a question's share of foreign words."""

    def __init__(self, head_texts: Iterable[str], tokenizer: DomainTokenizer) -> None:
        """``head_texts``: normalised titles, keywords/synonyms and similar questions of every article."""
        self._tokenizer = tokenizer
        words: set[str] = set()
        for text in head_texts:
            words.update(tokenizer.words(text))
        actions = (w for words_ in ACTION_CLASSES.values() for w in words_ if len(w) >= 2)
        self._words = frozenset(words) | frozenset(DOMAIN_WORDS) | frozenset(WORK_WORDS) | frozenset(actions)

    def known(self, word: str, parts: Iterable[str] = ()) -> bool:
        """True when ``word`` (or its head: a shorter word it ends with) is KB vocabulary or a lexicon synonym."""
        if word in self._words or synonym_terms(word):
            return True
        return any(word.endswith(part) and part in self._words for part in parts if part != word)

    def other_system(self, query: str) -> str | None:
        """The other system ``query`` is about (财务系统的报表, 企业微信的审批, 云盘里的文件), or None."""
        for run in query.split():
            words = self._tokenizer.cut(run)
            for i, word in enumerate(words):
                if word.endswith(_SYSTEM_WORDS):
                    name = word[:-2].removesuffix("管理")
                elif word.startswith(_SYSTEM_WORDS):  # 系统升级, 平台维护
                    name = ""
                else:
                    continue
                if not name and i > 0:
                    name = words[i - 1] if words[i - 1] != "管理" or i < 2 else words[i - 2]
                if len(name) >= 2 and not (self.known(name) or self._generic_name(name)):
                    return name + word[-2:] if word.endswith(_SYSTEM_WORDS) else name + word[:2]
        for name in _POSSESSIVE_SYSTEMS:
            if re.search(re.escape(name) + _OWNED_BY, query):
                return name
        return None

    def foreign_share(self, query: str) -> tuple[float, tuple[str, ...]]:
        """Weighted share (0–1) of the distinctive words of normalised ``query`` that the KB never uses, and
        those words; 1.0 when the question is about another system (other_system). 0.0 when the question has no
        distinctive word."""
        named = self.other_system(query)
        if named is not None:
            return 1.0, (named,)
        words = [w for w in dict.fromkeys(self._tokenizer.words(query)) if len(w) >= 2]
        units = [w for w in words if not any(w != other and w in other for other in words)]
        total = absent = 0.0
        foreign: list[str] = []
        for word in units:
            system = _names_system(word)
            known = self.known(word, words)
            if not (known or system) and self._generic(word):
                continue
            weight = CAMPUS_SYSTEM_WEIGHT if system else 1.0
            total += weight
            if weight > 1.0 or not known:
                absent += weight
                foreign.append(word)
        return (absent / total if total else 0.0), tuple(foreign)

    def _generic_name(self, word: str) -> bool:
        """A word that cannot name another system: a time, amount or pronoun (今晚, 这个) or an owner (学校)."""
        return self._tokenizer.descriptive(word) or word in _OWNERS

    def _generic(self, word: str) -> bool:
        """An everyday word of general Chinese, university context (学院领导, 开学典礼), a number, an English
        function word, or one that describes rather than names (三级, 周一, 2019)."""
        if word.isdigit() or word.endswith(_CONTEXT_HEADS):
            return True
        if word.isascii() and word in ENGLISH_FUNCTION_WORDS:
            return True
        return self._tokenizer.frequency(word) >= GENERIC_FREQUENCY or self._tokenizer.descriptive(word)


def _names_system(word: str) -> bool:
    if word.isascii():
        return word in CAMPUS_SYSTEMS
    return any(has_term(word, name) for name in CAMPUS_SYSTEMS if not name.isascii())
