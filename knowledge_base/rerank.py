"""Second-stage re-ranking of the top candidates with field-aware evidence.

The first stage fuses whole-document TF-IDF channels, so an article whose long keyword list shares many generic
characters with a question can beat the article whose *title* says what the question asks. The re-ranker adds a
few features computed only for the top candidates:

- ``head``: IDF-weighted share of the question's words found in the article's title and keywords (the fields an
  author writes to say what the article is about), so rare words of the question count more than 怎么/网站;
- ``title``: share of the title's character bigrams present in the question (does the question restate the title);
- ``keyword``: the longest keyword (or synonym group) the question contains whole, length-normalised;
- ``action``: agreement of the operation asked for (添加/删除/修改/恢复/上传/设置/查看…) with the operations the
  article's title and keywords name: +1 when they share one, −1 when both name operations and none is shared.

Weights are fitted on the dev split with cross-validation (bench/kb_tune.py ``--rerank``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from knowledge_base.lexicon import ACTION_CLASSES
from knowledge_base.tokenizer import DomainTokenizer, synonym_terms, text_runs

def actions_in(text: str) -> frozenset[str]:
    """Operation classes named in normalised ``text``."""
    return frozenset(name for name, words in ACTION_CLASSES.items() if any(w in text for w in words))


@dataclass(frozen=True, slots=True)
class RerankWeights:
    """Weights of the re-ranking features added to the first-stage score (fitted on dev only)."""

    head: float = 0.0
    title: float = 0.0
    keyword: float = 0.0
    action: float = 0.0
    depth: int = 10

    @property
    def active(self) -> bool:
        """True when any feature has a non-zero weight."""
        return any((self.head, self.title, self.keyword, self.action))


@dataclass(frozen=True, slots=True)
class QueryView:
    """A question prepared for feature extraction: content words (IDF, synonym tokens), bigrams, actions."""

    text: str
    words: tuple[tuple[str, float, frozenset[str]], ...]
    bigrams: frozenset[str]
    actions: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Head:
    title: str
    title_grams: frozenset[str]
    head_text: str
    head_synonyms: frozenset[str]
    keywords: tuple[str, ...]
    actions: frozenset[str]


class Reranker:
    """Computes the field-aware features of a (query, article) pair and combines them."""

    def __init__(
        self,
        heads: Sequence[tuple[str, Sequence[str]]],
        idf: Mapping[str, float],
        tokenizer: DomainTokenizer,
        weights: RerankWeights | None = None,
    ) -> None:
        """``heads``: normalised (title, keywords+synonyms) per article; ``idf``: the word channel's IDF."""
        self.weights = weights or RerankWeights()
        self._idf = idf
        self._unknown = max(idf.values(), default=1.0)
        self._tokenizer = tokenizer
        self._heads = [_head(title, terms) for title, terms in heads]

    def prepare(self, query: str, words: Sequence[str] | None = None) -> QueryView:
        """Everything about ``query`` the features need, computed once per question (``words``: its
        tokenizer words when the caller already has them)."""
        words = self._tokenizer.words(query) if words is None else words
        content = [w for w in dict.fromkeys(words) if len(w) >= 2]
        weighted = tuple((w, self._idf.get(w, self._unknown), frozenset(synonym_terms(w))) for w in content)
        return QueryView(query, weighted, frozenset(_bigrams(query)), actions_in(query))

    def features(self, view: QueryView, index: int) -> tuple[float, ...]:
        """(head, title, keyword, action) features of article ``index`` for the prepared question."""
        head = self._heads[index]
        return (
            _head_coverage(view.words, head),
            _title_recall(view.bigrams, head),
            _keyword_hit(view.text, head),
            _action_agreement(view.actions, head.actions),
        )

    def bonus(self, feats: tuple[float, ...]) -> float:
        """Weighted sum of the features."""
        w = self.weights
        return w.head * feats[0] + w.title * feats[1] + w.keyword * feats[2] + w.action * feats[3]


def _head(title: str, terms: Sequence[str]) -> _Head:
    head_text = " ".join((title, *terms))
    return _Head(
        title=title,
        title_grams=frozenset(_bigrams(title)),
        head_text=head_text,
        head_synonyms=frozenset(synonym_terms(head_text)),
        keywords=tuple(t for t in terms if len(t) >= 2),
        actions=actions_in(head_text),
    )


def _bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in text_runs(text):
        if run.isascii():
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _head_coverage(words: Sequence[tuple[str, float, frozenset[str]]], head: _Head) -> float:
    total = covered = 0.0
    for word, weight, synonyms in words:
        total += weight
        if word in head.head_text or not synonyms.isdisjoint(head.head_synonyms):
            covered += weight
    return covered / total if total else 0.0


def _title_recall(query_grams: frozenset[str], head: _Head) -> float:
    if not head.title_grams:
        return 0.0
    return len(head.title_grams & query_grams) / len(head.title_grams)


def _keyword_hit(query: str, head: _Head) -> float:
    best = 0
    for keyword in head.keywords:
        if keyword in query:
            best = max(best, len(keyword))
    return min(1.0, best / 4)


def _action_agreement(query_actions: frozenset[str], article_actions: frozenset[str]) -> float:
    if not query_actions or not article_actions:
        return 0.0
    return 1.0 if query_actions & article_actions else -1.0
