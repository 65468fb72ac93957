"""Key-concept coverage: how much of a question's distinctive vocabulary the chosen article talks about.

A question whose rare words (high IDF in the KB, or unknown to it) are absent from the best article is usually about
something else that merely shares generic words (部门, 申请, 下载) with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from knowledge_base.lexicon import ENGLISH_FUNCTION_WORDS
from knowledge_base.tokenizer import DomainTokenizer, synonym_terms


class CoverageScorer:
    """IDF-weighted share of a query's content words found in an article's full text (0–1)."""

    def __init__(self, texts: Sequence[str], idf: Mapping[str, float], tokenizer: DomainTokenizer) -> None:
        """``texts``: one normalised full text per article (title, keywords, questions, answer)."""
        self._texts = texts
        self._idf = idf
        self._unknown = max(idf.values(), default=1.0)
        self._tokenizer = tokenizer

    def coverage(self, query: str, index: int) -> float:
        """Share of the query's two-or-more-character words covered by article ``index`` (1.0 when none)."""
        words = [w for w in dict.fromkeys(self._tokenizer.words(query)) if len(w) >= 2]
        if not words:
            return 1.0
        text = self._texts[index]
        text_synonyms: set[str] | None = None
        total = covered = 0.0
        for word in words:
            weight = self._idf.get(word, self._unknown)
            total += weight
            if word in text:
                covered += weight
                continue
            canon = synonym_terms(word)
            if canon:
                text_synonyms = text_synonyms if text_synonyms is not None else set(synonym_terms(text))
                covered += weight if any(term in text_synonyms for term in canon) else 0.0
        return covered / total if total else 1.0


_ASCII_NAME = re.compile(r"[a-z]{2,}")


class NameVocabulary:
    """The Latin-letter names (products, systems, file types) the knowledge base itself mentions.

    A question naming a product the KB never mentions (gitlab, office, matlab…) is about something this desk does
    not document, however many generic words (账号, 下载, 申请) it shares with an article.
    """

    def __init__(self, texts: Iterable[str], known: Iterable[str] = ()) -> None:
        """``texts``: normalised article texts; ``known``: extra names understood anyway (glosses, synonyms)."""
        names: set[str] = set(known)
        for text in texts:
            names.update(_ASCII_NAME.findall(text))
        self._names = frozenset(names)

    def unknown(self, query: str) -> tuple[str, ...]:
        """Latin-letter words of ``query`` that the KB never mentions (function words excepted)."""
        found = (w for w in _ASCII_NAME.findall(query) if w not in ENGLISH_FUNCTION_WORDS)
        return tuple(dict.fromkeys(w for w in found if w not in self._names))
