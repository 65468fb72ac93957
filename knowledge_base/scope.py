"""Domain evidence derived from the knowledge base itself: is a question about something the KB talks about?

A word is *in domain* when it occurs in the KB's titles, keywords/synonyms or similar questions (or in the shared
synonym lexicon). A question whose distinctive words (two or more characters, not everyday words of general Chinese)
are mostly absent from that vocabulary is about something else, however many generic words it shares with an
article. Names of other campus systems (lexicon.CAMPUS_SYSTEMS) are weak evidence: they count extra as absent.
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge_base.lexicon import CAMPUS_CONTEXT_WORDS, CAMPUS_SYSTEMS, DOMAIN_WORDS, WORK_WORDS, has_term
from knowledge_base.tokenizer import DomainTokenizer, synonym_terms

# A word this frequent in jieba's general-Chinese dictionary is an everyday word (知道, 时候, 学校), not distinctive.
GENERIC_FREQUENCY = 5000
# How much a named campus system outweighs one ordinary absent word.
CAMPUS_SYSTEM_WEIGHT = 4.0


_CONTEXT = frozenset(CAMPUS_CONTEXT_WORDS)


class DomainVocabulary:
    """The words of the KB's titles, keywords and similar questions, and a question's share of foreign words."""

    def __init__(self, head_texts: Iterable[str], tokenizer: DomainTokenizer) -> None:
        """``head_texts``: normalised titles, keywords/synonyms and similar questions of every article."""
        self._tokenizer = tokenizer
        words: set[str] = set()
        for text in head_texts:
            words.update(tokenizer.words(text))
        self._words = frozenset(words) | frozenset(DOMAIN_WORDS) | frozenset(WORK_WORDS)

    def known(self, word: str, parts: Iterable[str] = ()) -> bool:
        """True when ``word`` (or its head: a shorter word it ends with) is KB vocabulary or a lexicon synonym."""
        if word in self._words or synonym_terms(word):
            return True
        return any(word.endswith(part) and part in self._words for part in parts if part != word)

    def foreign_share(self, query: str) -> tuple[float, tuple[str, ...]]:
        """Weighted share (0–1) of the distinctive words of normalised ``query`` that the KB never uses, and
        those words. 0.0 when the question has no distinctive word."""
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

    def _generic(self, word: str) -> bool:
        """An everyday word of general Chinese, a number, or one that describes rather than names (改成, 三级,
        周一, 2019)."""
        if word in _CONTEXT or word.isdigit():
            return True
        return self._tokenizer.frequency(word) >= GENERIC_FREQUENCY or self._tokenizer.descriptive(word)


def _names_system(word: str) -> bool:
    if word.isascii():
        return word in CAMPUS_SYSTEMS
    return any(has_term(word, name) for name in CAMPUS_SYSTEMS if not name.isascii())
