"""Multi-channel retrieval: character n-gram, domain-word and pinyin TF-IDF fused, then rapidfuzz re-scoring."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz

from knowledge_base.article import Article
from knowledge_base.coverage import CoverageScorer, NameVocabulary
from knowledge_base.lexicon import ENGLISH_GLOSSES, SYNONYM_GROUPS, foreign_topics, topics_in
from knowledge_base.normalize import normalize_field
from knowledge_base.rerank import Reranker, RerankWeights
from knowledge_base.scope import DomainVocabulary
from knowledge_base.spelling import HomophoneCorrector, drop_context, gloss_in_place
from knowledge_base.tfidf import FloatArray, TfidfIndex, top_indices, weighted_counts
from knowledge_base.tokenizer import (
    DomainTokenizer,
    char_bigrams,
    char_grams,
    pinyin_grams,
    shared_tokenizer,
    synonym_terms,
)

Analyser = Callable[[str], list[str]]


@dataclass(frozen=True, slots=True)
class RetrievalWeights:
    """Channel and field weights of the fused score (fitted on the dev split only)."""

    char: float = 0.5
    word: float = 0.4
    pinyin: float = 0.1
    fuzzy: float = 0.2
    title_field: float = 1.0
    keyword_field: float = 1.0
    question_field: float = 0.6
    answer_field: float = 0.3
    answer_words: bool = False
    max_df: float = 1.0
    topic_penalty: float = 0.7
    # Term weights (IDF) from the articles of the desk's own domain only: articles about other campus systems are
    # indexed, but however many there are they do not reweigh the words that tell the desk's articles apart.
    domain_idf: bool = True
    pool: int = 30
    rescore: int = 5


# Re-ranking weights fitted on the dev split with 5-fold cross-validation (bench/kb_tune.py --rerank).
FITTED_RERANK = RerankWeights(head=0.4, title=0.2, keyword=0.05, action=0.06)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One retrieved article with its fused score and the per-channel evidence."""

    index: int
    score: float
    fused: float
    fuzzy: float
    topics: tuple[str, ...]
    keep: float = 1.0  # share of the evidence kept after the topic penalty (scales the re-ranking bonus too)


@dataclass(frozen=True, slots=True)
class _Fields:
    title: str
    terms: tuple[str, ...]
    questions: tuple[str, ...]
    answer: str
    topics: tuple[str, ...]


class Retriever:
    """Ranks articles for a normalised query by fusing several TF-IDF channels."""

    def __init__(
        self,
        articles: Sequence[Article],
        weights: RetrievalWeights | None = None,
        tokenizer: DomainTokenizer | None = None,
        rerank: RerankWeights | None = None,
    ) -> None:
        """Build the channel indexes over title, keywords/synonyms, similar questions and answer."""
        self.weights = weights or RetrievalWeights()
        self.tokenizer = tokenizer or shared_tokenizer()
        self._fields = [_article_fields(a) for a in articles]
        self._foreign = np.array([bool(f.topics) for f in self._fields], dtype=bool)
        self._char = self._build(char_grams, answer_analyser=char_bigrams)
        word_answer = self.tokenizer.terms if self.weights.answer_words else None
        self._word = self._build(self.tokenizer.terms, answer_analyser=word_answer)
        self._pinyin = self._build(pinyin_grams, answer_analyser=None)
        full_texts = [" ".join((f.title, *f.terms, *f.questions, f.answer)) for f in self._fields]
        self._coverage = CoverageScorer(full_texts, self._word.idf, self.tokenizer)
        lexicon_names = (*ENGLISH_GLOSSES, *(w for group in SYNONYM_GROUPS for w in group))
        self._names = NameVocabulary(full_texts, lexicon_names)
        heads_text = (t for f in self._fields for t in (f.title, *f.terms, *f.questions))
        self._vocabulary = DomainVocabulary(heads_text, self.tokenizer)
        heads = [(f.title, f.terms) for f in self._fields]
        self.reranker = Reranker(heads, self._word.idf, self.tokenizer, rerank or FITTED_RERANK)
        self._speller = HomophoneCorrector(
            (t for f in self._fields for t in (f.title, *f.terms, *f.questions)),
            self.tokenizer.short_words(),
        )
        keep = np.float32(1.0 - self.weights.topic_penalty)
        self._default_factor = np.where(self._foreign, keep, np.float32(1.0)).astype(np.float32)
        self._topic_masks = {
            topic: np.array([topic in f.topics for f in self._fields], dtype=bool)
            for topic in {t for f in self._fields for t in f.topics}
        }

    def _build(self, analyse: Analyser, *, answer_analyser: Analyser | None) -> TfidfIndex:
        w = self.weights
        docs = []
        for f in self._fields:
            parts = [(analyse(f.title), w.title_field)]
            parts += [(analyse(term), w.keyword_field) for term in f.terms]
            parts += [(analyse(q), w.question_field) for q in f.questions]
            if answer_analyser is not None and w.answer_field > 0:
                parts.append((answer_analyser(f.answer), w.answer_field))
            docs.append(weighted_counts(parts))
        weighting = [not foreign for foreign in self._foreign] if w.domain_idf else None
        return TfidfIndex(docs, max_df=w.max_df, weighting=weighting)

    def rewrite(self, query: str) -> str:
        """The query as retrieval sees it: English IT words glossed in Chinese where they stand, the asker's setting
        (学院, 老师, whose site) dropped, homophone typos corrected."""
        if not query:
            return query
        return self._speller.correct(drop_context(gloss_in_place(query)))

    def coverage(self, query: str, index: int) -> float:
        """IDF-weighted share of the query's content words that article ``index`` covers (0–1)."""
        return self._coverage.coverage(query, index)

    def unknown_names(self, query: str) -> tuple[str, ...]:
        """Latin-letter names in ``query`` (gitlab, office…) that no article and no lexicon entry mentions."""
        return self._names.unknown(query)

    def other_system(self, query: str) -> str | None:
        """Another system the rewritten ``query`` is about (财务系统的报表, 企业微信的审批), or None."""
        return self._vocabulary.other_system(query)

    def foreign_share(self, query: str) -> tuple[float, tuple[str, ...]]:
        """Share of the query's distinctive words that the KB's titles, keywords and questions never use."""
        return self._vocabulary.foreign_share(query)

    def rank(self, query: str, limit: int = 5) -> list[Ranked]:
        """Top ``limit`` articles for the normalised ``query``, best first."""
        w = self.weights
        fused: FloatArray = np.zeros(len(self._fields), dtype=np.float32)
        self._char.accumulate(char_grams(query), fused, w.char)
        words = self.tokenizer.words(query)
        self._word.accumulate(words + synonym_terms(query), fused, w.word)
        self._pinyin.accumulate(pinyin_grams(query), fused, w.pinyin)
        factor = self._topic_factor(topics_in(query))
        if factor is not None:
            fused *= factor
        ranked = []
        for position, i in enumerate(top_indices(fused, w.pool)):
            fields = self._fields[i]
            keep = 1.0 if factor is None else float(factor[i])
            fz = self._fuzzy(query, fields) * keep if position < w.rescore else 0.0
            ranked.append(Ranked(i, float(fused[i]) + w.fuzzy * fz, float(fused[i]), fz, fields.topics, keep))
        ranked.sort(key=lambda r: (-r.score, r.index))
        return self._rerank(query, words, ranked)[:limit]

    def _rerank(self, query: str, words: list[str], ranked: list[Ranked]) -> list[Ranked]:
        """Add the field-aware re-ranking bonus (scaled like the article's other evidence) to the first ``depth``
        candidates and re-sort them."""
        rr = self.reranker
        if not rr.weights.active or not ranked:
            return ranked
        view = rr.prepare(query, words)
        depth = rr.weights.depth
        head = [replace(r, score=r.score + r.keep * rr.bonus(rr.features(view, r.index))) for r in ranked[:depth]]
        head.sort(key=lambda r: (-r.score, r.index))
        return head + ranked[depth:]

    def _topic_factor(self, query_topics: tuple[str, ...]) -> FloatArray | None:
        """Per-article multiplier of the evidence: articles about another campus system that the question does not
        name keep only ``1 - topic_penalty`` of it (every channel, the fuzzy score and the re-ranking bonus). None
        when nothing is penalised."""
        if self.weights.topic_penalty <= 0 or not self._foreign.any():
            return None
        if not any(topic in self._topic_masks for topic in query_topics):
            return self._default_factor
        foreign = self._foreign.copy()
        for topic in query_topics:
            if topic in self._topic_masks:
                foreign &= ~self._topic_masks[topic]
        keep = np.float32(1.0 - self.weights.topic_penalty)
        return np.where(foreign, keep, np.float32(1.0)).astype(np.float32)

    @staticmethod
    def _fuzzy(query: str, fields: _Fields) -> float:
        """Typo-tolerant closeness of the query to the title, a keyword or a similar question (0–1)."""
        best = fuzz.partial_ratio(query, fields.title) * min(1.0, len(query) / 6)
        for term in fields.terms:
            if len(term) >= 2:
                best = max(best, fuzz.partial_ratio(term, query) * min(1.0, len(term) / 4))
        for question in fields.questions:
            best = max(best, fuzz.ratio(query, question))
        return float(best) / 100.0


def _article_fields(article: Article) -> _Fields:
    return _Fields(
        title=normalize_field(article.title),
        terms=tuple(normalize_field(t) for t in article.terms),
        questions=tuple(normalize_field(q) for q in article.questions),
        answer=normalize_field(article.answer),
        topics=foreign_topics(normalize_field(" ".join((article.title, *article.terms)))),
    )
