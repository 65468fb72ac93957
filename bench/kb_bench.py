"""Benchmark the KB matcher against a bare character 1–2-gram TF-IDF retriever on the same (padded) KB.

Usage: python bench/kb_bench.py [--kb ../shared/kb-eval/kb.yaml] [--queries ../shared/kb-eval/dev.jsonl]
                                [--sizes 64,10000] [--repeat 3]
Prints one JSON object: machine, and per KB size the baseline's and the matcher's accuracy and latency
(mean, p95, measured interleaved query by query in the same process) and the p95 ratio. Never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base.article import Article  # noqa: E402
from knowledge_base.evaluate import LabelledQuery, load_queries, percentile, score_results  # noqa: E402
from knowledge_base.loader import load_articles  # noqa: E402
from knowledge_base.matcher import Matcher, MatchResult  # noqa: E402
from knowledge_base.pad import pad_articles  # noqa: E402
from knowledge_base.tfidf import TfidfIndex, top_indices, weighted_counts  # noqa: E402
from knowledge_base.tokenizer import char_grams  # noqa: E402


class BaselineRetriever:
    """Bare character 1–2-gram TF-IDF over title + keywords: NFKC and lower case only, no threshold."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        docs = [weighted_counts([(char_grams(self._bare(f"{a.title} {' '.join(a.keywords)}")), 1.0)]) for a in articles]
        self.index = TfidfIndex(docs)

    @staticmethod
    def _bare(text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower()

    def rank(self, text: str, k: int = 5) -> list[int]:
        """Indices of the top ``k`` articles."""
        return top_indices(self.index.scores(char_grams(self._bare(text))), k)


def baseline_metrics(base: BaselineRetriever, queries: list[LabelledQuery]) -> dict[str, float]:
    """Top-1 and MRR@5 of the baseline over in-scope queries."""
    inscope = [q for q in queries if q.label]
    hits = mrr = 0.0
    for q in inscope:
        ids = [base.articles[i].article_id for i in base.rank(q.query)]
        hits += bool(ids) and ids[0] == q.label
        mrr += next((1 / (n + 1) for n, a in enumerate(ids) if a == q.label), 0.0)
    return {"top1": round(hits / len(inscope), 4), "mrr5": round(mrr / len(inscope), 4)}


def timed_runs(
    base: BaselineRetriever, matcher: Matcher, queries: list[LabelledQuery], repeat: int
) -> tuple[list[float], list[float], list[MatchResult]]:
    """Latencies (ms) of baseline and matcher measured interleaved, plus the matcher's results."""
    base.rank("网站后台怎么登录")
    matcher.match("网站后台怎么登录")
    base_ms: list[float] = []
    ours_ms: list[float] = []
    results: list[MatchResult] = []
    for round_no in range(repeat):
        for q in queries:
            t0 = time.perf_counter()
            base.rank(q.query)
            t1 = time.perf_counter()
            result = matcher.match(q.query)
            t2 = time.perf_counter()
            base_ms.append((t1 - t0) * 1000)
            ours_ms.append((t2 - t1) * 1000)
            if round_no == 0:
                results.append(result)
    return base_ms, ours_ms, results


def latency(values: list[float]) -> dict[str, float]:
    """Mean and p95 in ms."""
    return {"mean": round(statistics.fmean(values), 3), "p95": round(percentile(values, 0.95), 3)}


def bench_size(articles: list[Article], queries: list[LabelledQuery], size: int, repeat: int) -> dict[str, Any]:
    """Build both retrievers on the KB padded to ``size`` and compare them."""
    padded = pad_articles(articles, size)
    t0 = time.perf_counter()
    base = BaselineRetriever(padded)
    t1 = time.perf_counter()
    matcher = Matcher(padded)
    t2 = time.perf_counter()
    base_ms, ours_ms, results = timed_runs(base, matcher, queries, repeat)
    base_lat, ours_lat = latency(base_ms), latency(ours_ms)
    return {
        "articles": len(padded),
        "baseline": {**baseline_metrics(base, queries), "latency_ms": base_lat, "build_s": round(t1 - t0, 3)},
        "matcher": {**score_results(queries, results), "latency_ms": ours_lat, "build_s": round(t2 - t1, 3)},
        "p95_ratio": round(ours_lat["p95"] / base_lat["p95"], 2) if base_lat["p95"] else None,
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", default="../shared/kb-eval/kb.yaml")
    parser.add_argument("--queries", default="../shared/kb-eval/dev.jsonl")
    parser.add_argument("--sizes", default="64,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    articles, queries = load_articles(args.kb), load_queries(args.queries)
    report: dict[str, Any] = {
        "machine": {"nproc": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "kb": args.kb,
        "queries": args.queries,
        "runs": [bench_size(articles, queries, int(s), args.repeat) for s in args.sizes.split(",")],
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
