"""Analysers that turn normalised text into terms: character n-grams, domain words, pinyin and synonyms."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

import jieba  # type: ignore[import-untyped]
from pypinyin.pinyin_dict import pinyin_dict

from knowledge_base.lexicon import CAMPUS_SYSTEMS, DOMAIN_WORDS, SYNONYM_GROUPS

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[0-9a-z]+")
_STOP_WORDS = frozenset(
    "的 了 吗 呢 吧 啊 么 是 我 我们 你 你们 他 在 和 与 或 及 要 想 能 可以 会 怎么 怎么办 怎样 如何 什么 "
    "哪 哪里 哪儿 在哪 为什么 为啥 一个 个 一下 下 有 有没有 还 也 就 都 把 被 给 让 这 那 这个 那个 "
    "里 上 中 时 后 吗 请 帮 能否 是否 需要 应该 一 不 没 很 太 又 再 已经 现在 之后".split()
)
# Question-intent phrases (can/why/where/how, yes-no forms): they say what kind of answer is wanted, not what about,
# so the word channel drops them whole before jieba splits them into content-looking pieces (能不能 → 不能).
_INTENT = re.compile(
    "能不能|可不可以|可以不可以|是不是|有没有|会不会|要不要|行不行|怎么回事|怎么弄|怎么搞|怎么整|咋办|咋弄|咋整|咋|"
    "为啥|为什么|什么原因|啥原因|在哪里|在哪儿|在哪"
)
# jieba part-of-speech tags of words that give an amount, a time, a manner or a position (三级, 两级, 周一, 已经,
# 上面) rather than name a thing or an action: they never decide what a question is about.
_DESCRIPTIVE_TAGS = frozenset("m q t d b r p c u f y e o".split())
_SYNONYM_CANON: dict[str, list[str]] = {}
for _group in SYNONYM_GROUPS:
    for _member in _group:
        _SYNONYM_CANON.setdefault(_member, []).append(_group[0])
_SYNONYM_PATTERN = re.compile("|".join(sorted(map(re.escape, _SYNONYM_CANON), key=len, reverse=True)))


def text_runs(text: str) -> list[str]:
    """Split normalised text into runs of Chinese characters and ASCII words."""
    return _RUN.findall(text)


def strip_intent(text: str) -> str:
    """``text`` with question-intent phrases (能不能, 为啥, 在哪…) replaced by spaces."""
    return _INTENT.sub(" ", text)


def char_grams(text: str) -> list[str]:
    """Character unigrams and bigrams of Chinese runs; ASCII words stay whole."""
    grams: list[str] = []
    for run in _RUN.findall(text):
        if run.isascii():
            grams.append(run)
            continue
        grams.extend(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def char_bigrams(text: str) -> list[str]:
    """Character bigrams of Chinese runs and whole ASCII words (for long fields such as answers)."""
    grams: list[str] = []
    for run in _RUN.findall(text):
        if run.isascii():
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


@lru_cache(maxsize=None)
def char_to_pinyin(char: str) -> str:
    """Toneless first reading of one Chinese character (``ü`` as ``v``), or the character itself."""
    readings = pinyin_dict.get(ord(char))
    if not readings:
        return char
    first = unicodedata.normalize("NFD", readings.split(",")[0])
    return "".join(c for c in first if not unicodedata.combining(c)).replace("u\u0308", "v")


def pinyin_grams(text: str) -> list[str]:
    """Pinyin syllable bigrams of Chinese runs, so homophone typos (秘码/密码) still meet."""
    grams: list[str] = []
    for run in _RUN.findall(text):
        if run.isascii() or len(run) < 2:
            continue
        syllables = [char_to_pinyin(c) for c in run]
        grams.extend(f"{a}_{b}" for a, b in zip(syllables, syllables[1:]))
    return grams


def synonym_terms(text: str) -> list[str]:
    """Canonical tokens (``syn:…``) for every synonym-group member found in ``text``."""
    return [f"syn:{canon}" for hit in _SYNONYM_PATTERN.findall(text) for canon in _SYNONYM_CANON[hit]]


class DomainTokenizer:
    """A private jieba tokenizer with the domain dictionary; jieba's global dictionary stays untouched."""

    def __init__(self, extra_words: tuple[str, ...] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._jieba.initialize()
        self._short_words: frozenset[str] | None = None
        for word in (*DOMAIN_WORDS, *_SYNONYM_CANON, *CAMPUS_SYSTEMS, *extra_words):
            if len(word) > 1 and not word.isascii():
                self._jieba.add_word(word, freq=20000)

    def words(self, text: str) -> list[str]:
        """Search-mode words of ``text`` without stop words and single function characters."""
        out: list[str] = []
        for run in strip_intent(text).split():
            for word in self._jieba.cut_for_search(run, HMM=False):
                if word.strip() and word not in _STOP_WORDS:
                    out.append(word)
        return out

    def cut(self, text: str) -> list[str]:
        """Precise-mode words of ``text`` (no overlaps, nothing dropped): for reading a phrase's structure."""
        return [w for w in self._jieba.lcut(text, HMM=False) if w.strip()]

    def frequency(self, word: str) -> int:
        """The word's count in the tokenizer's dictionary (jieba's general-Chinese counts plus domain words)."""
        return int(self._jieba.FREQ.get(word, 0))

    def descriptive(self, word: str) -> bool:
        """True when jieba's general dictionary tags ``word`` as a numeral, measure, time, adverb, pronoun or the like."""
        return _word_tags().get(word) in _DESCRIPTIVE_TAGS

    def short_words(self) -> frozenset[str]:
        """Chinese words of two to four characters in the tokenizer's dictionary (the spelling lexicon)."""
        if self._short_words is None:
            freq = self._jieba.FREQ
            self._short_words = frozenset(w for w, f in freq.items() if f > 0 and 2 <= len(w) <= 4 and not w.isascii())
        return self._short_words

    def terms(self, text: str) -> list[str]:
        """Words plus synonym canonical tokens: the word channel's analyser."""
        return self.words(text) + synonym_terms(text)


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    """jieba's part-of-speech table of its general dictionary (loaded once, about 0.3 s)."""
    import jieba.posseg  # type: ignore[import-untyped]  # noqa: PLC0415 - loads a large table; only when needed

    return dict(jieba.posseg.dt.word_tag_tab)


_SHARED: DomainTokenizer | None = None
_SHARED_LOCK = threading.Lock()


def shared_tokenizer() -> DomainTokenizer:
    """The process-wide domain tokenizer (loading jieba's dictionary takes about a second)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = DomainTokenizer()
        return _SHARED
