"""Fit retrieval weights and decision thresholds of the KB matcher on the DEV split only.

Usage: python bench/kb_tune.py [--kb ../shared/kb-eval/kb.yaml] [--queries ../shared/kb-eval/dev.jsonl]
Prints the best settings found by a coarse grid search; copy them into RetrievalWeights/DecisionPolicy by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base.decide import Decision, DecisionPolicy, decide  # noqa: E402
from knowledge_base.evaluate import LabelledQuery, load_queries  # noqa: E402
from knowledge_base.loader import load_articles  # noqa: E402
from knowledge_base.matcher import Matcher  # noqa: E402
from knowledge_base.normalize import normalize_text  # noqa: E402
from knowledge_base.retrieval import RetrievalWeights  # noqa: E402

Row = tuple[LabelledQuery, str, list[tuple[str, float, tuple[str, ...]]]]


def rank_all(matcher: Matcher, queries: list[LabelledQuery]) -> list[Row]:
    """Normalised query and top-5 (id, score) for every query."""
    rows = []
    for q in queries:
        norm = normalize_text(q.query)
        ranked = matcher.rank(norm, 5)
        rows.append((q, norm, [(matcher.articles[r.index].article_id, r.score, r.topics) for r in ranked]))
    return rows


def top1(rows: list[Row]) -> tuple[float, float]:
    """Top-1 and MRR@5 over in-scope rows."""
    inscope = [(q, c) for q, _, c in rows if q.label]
    hit = sum(1 for q, c in inscope if c and c[0][0] == q.label)
    mrr = sum(next((1 / (i + 1) for i, (a, _, _) in enumerate(c) if a == q.label), 0) for q, c in inscope)
    return hit / len(inscope), mrr / len(inscope)


def overall(rows: list[Row], policy: DecisionPolicy) -> tuple[float, float, float]:
    """Overall accuracy, no-match precision and recall of ``policy`` on ranked rows."""
    right = said = true_none = 0
    n_out = sum(1 for q, _, _ in rows if q.label is None)
    for q, norm, cands in rows:
        s1 = cands[0][1] if cands else 0.0
        s2 = cands[1][1] if len(cands) > 1 else 0.0
        decision, _ = decide(norm, s1, s2, policy)
        if decision is Decision.NO_MATCH:
            said += 1
            true_none += q.label is None
        right += (q.label is None and decision is Decision.NO_MATCH) or (
            q.label is not None and decision is Decision.ANSWER and cands[0][0] == q.label)
    return right / len(rows), true_none / said if said else 0.0, true_none / n_out if n_out else 0.0


def main() -> None:
    """Grid-search weights for top-1, then thresholds for overall."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", default="../shared/kb-eval/kb.yaml")
    parser.add_argument("--queries", default="../shared/kb-eval/dev.jsonl")
    args = parser.parse_args()
    articles, queries = load_articles(args.kb), load_queries(args.queries)
    best = []
    for c, w, p, f, a in itertools.product((0.4, 0.5, 0.6), (0.2, 0.3, 0.4), (0.1, 0.2), (0.0, 0.1, 0.2), (0.1, 0.3, 0.5)):
        weights = RetrievalWeights(char=c, word=w, pinyin=p, fuzzy=f, answer_field=a)
        t1, mrr = top1(rank_all(Matcher(articles, weights=weights), queries))
        best.append((t1, mrr, weights))
    best.sort(key=lambda x: (-x[0], -x[1]))
    for t1, mrr, weights in best[:8]:
        print(json.dumps({"top1": round(t1, 4), "mrr5": round(mrr, 4), "weights": repr(weights)}, ensure_ascii=False))
    rows = rank_all(Matcher(articles, weights=best[0][2]), queries)
    grid = []
    for am, au, ask, mg in itertools.product((0.2, 0.25, 0.3, 0.35), (0.3, 0.35, 0.4, 0.45), (0.15, 0.2, 0.25), (0.0, 0.01, 0.02, 0.04)):
        if ask > am:
            continue
        policy = DecisionPolicy(answer_min=am, answer_min_unscoped=au, ask_min=ask, margin_min=mg)
        grid.append((*overall(rows, policy), policy))
    grid.sort(key=lambda x: (-x[0], -x[1]))
    for acc, prec, rec, policy in grid[:8]:
        print(json.dumps({"overall": round(acc, 4), "nm_precision": round(prec, 4), "nm_recall": round(rec, 4), "policy": repr(policy)}))


if __name__ == "__main__":
    main()
