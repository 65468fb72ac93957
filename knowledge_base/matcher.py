"""The Matcher: normalise a question, retrieve candidates and decide whether to answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge_base.article import Article
from knowledge_base.decide import Decision, DecisionPolicy, decide
from knowledge_base.normalize import normalize_text, without_quoted_names
from knowledge_base.retrieval import Ranked, RetrievalWeights, Retriever
from knowledge_base.tokenizer import DomainTokenizer

CANDIDATES_SHOWN = 5
# A question is read up to this length: a longer mail body is mostly quotation, signature or pasted material, and
# bounding it bounds the matcher's time.
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked article as shown to staff or offered when asking back."""

    article_id: str
    title: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's verdict on one question, with everything needed to log it."""

    query: str
    normalized_query: str
    decision: Decision
    article: Article | None
    score: float
    candidates: tuple[Candidate, ...] = field(default=())
    reason: str = ""

    def to_log_record(self) -> dict[str, Any]:
        """A JSON-ready summary for the question log (no answer text)."""
        return {
            "normalized_query": self.normalized_query,
            "decision": self.decision.value,
            "article_id": self.article.article_id if self.article else None,
            "score": round(self.score, 4),
            "candidate_ids": [c.article_id for c in self.candidates],
            "reason": self.reason,
        }


class Matcher:
    """Matches user questions against a fixed set of articles (rebuild it to change the set)."""

    def __init__(
        self,
        articles: Sequence[Article],
        *,
        weights: RetrievalWeights | None = None,
        policy: DecisionPolicy | None = None,
        tokenizer: DomainTokenizer | None = None,
    ) -> None:
        """Index ``articles``; building 10k articles takes a few seconds."""
        self.articles = tuple(articles)
        self.policy = policy or DecisionPolicy()
        self.retriever = Retriever(self.articles, weights, tokenizer)

    def rank(self, normalized: str, limit: int = 5) -> list[Ranked]:
        """Ranked candidates for an already normalised question."""
        if not normalized or not self.articles:
            return []
        return self.retriever.rank(normalized, limit)

    def foreign_share(self, text: str, rewritten: str | None = None) -> tuple[float, tuple[str, ...]]:
        """Share of the distinctive words of raw ``text`` that the KB never uses, with them (``rewritten``: the
        retrieval text of ``text`` when the caller has it). Quoted names (a column called “学术交流”) do not count,
        unless they are the whole message; another system counts wherever it is named (“企业微信”的审批)."""
        text = text[:MAX_QUESTION_CHARS]
        full = self.retriever.rewrite(normalize_text(text)) if rewritten is None else rewritten
        unquoted = without_quoted_names(text)
        if unquoted != text:
            other = self.retriever.other_system(full)
            if other is not None:
                return 1.0, (other,)
            stripped = self.retriever.rewrite(normalize_text(unquoted))
            if len(stripped.replace(" ", "")) >= 2:
                return self.retriever.foreign_share(stripped)
        return self.retriever.foreign_share(full)  # checks for another named system itself

    def match(self, text: str) -> MatchResult:
        """Normalise ``text``, rank articles and decide: answer, ask back or no match. Only the first
        ``MAX_QUESTION_CHARS`` characters are read."""
        normalized = normalize_text(text[:MAX_QUESTION_CHARS])
        rewritten = self.retriever.rewrite(normalized)
        ranked = self.rank(rewritten, max(CANDIDATES_SHOWN, 2))
        top = ranked[0].score if ranked else 0.0
        second = ranked[1].score if len(ranked) > 1 else 0.0
        coverage = self.retriever.coverage(rewritten, ranked[0].index) if ranked else 0.0
        unknown = self.retriever.unknown_names(normalized)
        foreign = self.foreign_share(text, rewritten)
        decision, reason = decide(
            rewritten, top, second, self.policy, coverage=coverage, unknown_names=unknown, foreign=foreign
        )
        candidates = tuple(
            Candidate(self.articles[r.index].article_id, self.articles[r.index].title, round(r.score, 4))
            for r in ranked[:CANDIDATES_SHOWN]
        )
        article = self.articles[ranked[0].index] if decision is Decision.ANSWER else None
        return MatchResult(text, normalized, decision, article, top, candidates, reason)
