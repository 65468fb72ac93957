"""Query rewriting before retrieval: homophone typo correction from the KB's own vocabulary, English glosses.

Homophone typos in Chinese input usually replace one character of a two-character word with another of the same
reading (轮博图 for 轮播图, 至顶 for 置顶). The corrector learns the KB's bigrams and, for a query bigram the KB
has never seen, substitutes a KB bigram with the same toneless pinyin that shares one character position with it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from knowledge_base.lexicon import ASKER_CONTEXT, ENGLISH_GLOSSES
from knowledge_base.tokenizer import char_to_pinyin, text_runs

_ASCII_WORD = re.compile(r"[a-z][a-z0-9]*")
# Particles and pronouns that are never typos of a content word.
_FUNCTION_CHARS = frozenset("的了吗呢吧啊么是我你他她它在和与或及要想能会就都把被给让这那里上中下个一不没很太又再也还有篇条张份")


class HomophoneCorrector:
    """Replaces a character that forms no known word with a neighbour, by a homophone that forms a KB word."""

    def __init__(self, target_texts: Iterable[str], known_words: Iterable[str]) -> None:
        """``target_texts``: authored title/keyword/question fields; ``known_words``: a general word list."""
        counts: Counter[str] = Counter()
        for text in target_texts:
            counts.update(set(_bigrams(text)))
        self._known: set[str] = set(known_words) | set(counts)
        self._by_sound: dict[str, list[tuple[int, str]]] = {}
        for gram, count in counts.items():
            self._by_sound.setdefault(_sound(gram), []).append((count, gram))
        for options in self._by_sound.values():
            options.sort(key=lambda item: (-item[0], item[1]))

    def correct(self, text: str) -> str:
        """``text`` with likely homophone typos fixed (unchanged when nothing is suspicious)."""
        out = text
        for run in text_runs(text):
            if run.isascii() or len(run) < 2:
                continue
            fixed = self._correct_run(run)
            if fixed != run:
                out = out.replace(run, fixed, 1)
        return out

    def _correct_run(self, run: str) -> str:
        chars = list(run)
        for i, char in enumerate(run):
            if char in _FUNCTION_CHARS or self._covered(run, i):
                continue  # part of a real word, or a particle: leave it alone
            right = (run[i : i + 2], 1) if i + 1 < len(run) else None
            left = (run[i - 1 : i + 1], 0) if i > 0 else None
            options = [self._homophone(*pair) for pair in (right, left) if pair is not None]
            best = max((o for o in options if o is not None), default=None)
            if best is not None:
                chars[i] = best[1]
        return "".join(chars)

    def _covered(self, run: str, i: int) -> bool:
        """True when position ``i`` lies inside a known word of two to four characters."""
        for size in (2, 3, 4):
            for start in range(max(0, i - size + 1), min(i, len(run) - size) + 1):
                if run[start : start + size] in self._known:
                    return True
        return False

    def _homophone(self, gram: str, keep: int) -> tuple[int, str] | None:
        """The most frequent KB bigram sounding like ``gram`` that keeps its character at ``keep``."""
        for count, option in self._by_sound.get(_sound(gram), ()):
            if option[keep] == gram[keep] and option != gram:
                return count, option[1 - keep]
        return None


def drop_context(text: str) -> str:
    """``text`` without the asker's setting (学院网站 → 网站, 退休老师 → 退休), see lexicon.ASKER_CONTEXT."""
    return ASKER_CONTEXT.sub(" ", text)


def gloss_in_place(text: str) -> str:
    """``text`` with each English IT word replaced by its Chinese gloss where it stands (password忘了 → 密码忘了),
    so the gloss joins the Chinese words around it."""
    return _ASCII_WORD.sub(lambda m: ENGLISH_GLOSSES.get(m.group(0), m.group(0)), text)


def _bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in text_runs(text):
        if not run.isascii():
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _sound(gram: str) -> str:
    return "_".join(char_to_pinyin(c) for c in gram)
