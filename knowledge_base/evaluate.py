"""Benchmark scoring: top-1, answered-correct, MRR@5, no-match precision/recall, overall and latency.

Scoring rules (same as the held-out scoring): an in-scope query is right overall only when the decision is
``answer`` with the labelled article; an out-of-scope query is right only when the decision is ``no_match``.
``ask_back`` is therefore wrong for both, and for no-match precision/recall it is not a "said no match".
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_base.decide import Decision
from knowledge_base.errors import QueryFileError
from knowledge_base.matcher import Matcher, MatchResult


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    """One benchmark question and its expected article id (``None`` when out of scope)."""

    qid: str
    query: str
    label: str | None


def load_queries(path: Path | str) -> list[LabelledQuery]:
    """Read a JSONL file of ``{"qid", "query", "label"}`` objects."""
    queries: list[LabelledQuery] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries.append(LabelledQuery(str(row.get("qid", number)), str(row["query"]), row.get("label")))
        except (ValueError, KeyError, TypeError) as err:
            raise QueryFileError(f"{path}:{number}: bad query line: {err}") from err
    return queries


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0–1) of ``values``."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def run_queries(matcher: Matcher, queries: Sequence[LabelledQuery]) -> tuple[list[MatchResult], list[float]]:
    """Match every query once (after one warm-up call) and return results and latencies in ms."""
    matcher.match("网站后台怎么登录")
    results, latencies = [], []
    for item in queries:
        started = time.perf_counter()
        results.append(matcher.match(item.query))
        latencies.append((time.perf_counter() - started) * 1000.0)
    return results, latencies


def score_results(queries: Sequence[LabelledQuery], results: Sequence[MatchResult]) -> dict[str, float]:
    """Accuracy metrics of ``results`` against the labels."""
    in_scope = [(q, r) for q, r in zip(queries, results) if q.label is not None]
    out_scope = [r for q, r in zip(queries, results) if q.label is None]
    top1 = sum(1 for q, r in in_scope if r.candidates and r.candidates[0].article_id == q.label)
    answered = sum(1 for q, r in in_scope if r.article is not None and r.article.article_id == q.label)
    mrr = sum(_reciprocal_rank(q.label, r) for q, r in in_scope)
    said_none = [q.label is None for q, r in zip(queries, results) if r.decision is Decision.NO_MATCH]
    true_none = sum(said_none)
    correct = answered + sum(1 for r in out_scope if r.decision is Decision.NO_MATCH)
    return {
        "top1": _ratio(top1, len(in_scope)),
        "answered_correct": _ratio(answered, len(in_scope)),
        "mrr5": _ratio(mrr, len(in_scope)),
        "nomatch_precision": _ratio(true_none, len(said_none)),
        "nomatch_recall": _ratio(true_none, len(out_scope)),
        "overall": _ratio(correct, len(queries)),
        "ask_back_rate": _ratio(sum(1 for r in results if r.decision is Decision.ASK_BACK), len(queries)),
    }


def evaluate_matcher(matcher: Matcher, queries: Sequence[LabelledQuery]) -> dict[str, Any]:
    """Run and score ``queries``; the JSON object printed by ``python -m knowledge_base evaluate``."""
    results, latencies = run_queries(matcher, queries)
    metrics: dict[str, Any] = dict(score_results(queries, results))
    metrics["latency_ms_mean"] = round(statistics.fmean(latencies), 3) if latencies else 0.0
    metrics["latency_ms_p95"] = round(percentile(latencies, 0.95), 3)
    metrics["queries"] = len(queries)
    metrics["in_scope"] = sum(1 for q in queries if q.label is not None)
    metrics["articles"] = len(matcher.articles)
    return metrics


def list_misses(queries: Sequence[LabelledQuery], results: Sequence[MatchResult]) -> list[dict[str, Any]]:
    """Queries whose final decision was wrong, for error analysis."""
    misses = []
    for q, r in zip(queries, results):
        answered_right = r.article is not None and r.article.article_id == q.label
        ok = r.decision is Decision.NO_MATCH if q.label is None else answered_right
        if not ok:
            top = r.candidates[0].article_id if r.candidates else None
            misses.append({"qid": q.qid, "query": q.query, "label": q.label, "decision": r.decision.value,
                           "top": top, "score": round(r.score, 3), "reason": r.reason})
    return misses


def _reciprocal_rank(label: str | None, result: MatchResult) -> float:
    for position, candidate in enumerate(result.candidates[:5], start=1):
        if candidate.article_id == label:
            return 1.0 / position
    return 0.0


def _ratio(part: float, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
