"""Fit retrieval weights and decision thresholds of the KB matcher on the DEV split only.

Usage: python bench/kb_tune.py [--kb ../shared/kb-eval/kb.yaml] [--queries ../shared/kb-eval/dev.jsonl]
                               [--weights] [--folds 5] [--pad N]
Thresholds are chosen by k-fold cross-validation on dev: for every fold the best policy on the other folds is
scored on the held fold; the report shows each fold's choice, the cross-validated overall, and the policy that
the folds agree on most (prefer it to the single best full-dev policy). ``--weights`` also grid-searches the
retrieval weights for top-1; ``--rerank`` cross-validates the re-ranking feature weights for top-1 (per fold the
median of the grid points tied for the best training top-1). Copy the settings into RetrievalWeights,
FITTED_RERANK and DecisionPolicy by hand.
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
from knowledge_base.pad import pad_articles  # noqa: E402
from knowledge_base.rerank import RerankWeights  # noqa: E402
from knowledge_base.retrieval import RetrievalWeights  # noqa: E402

FeatureRow = tuple[str, list[tuple[str, float, tuple[float, ...], float]]]

Row = tuple[LabelledQuery, str, list[tuple[str, float, tuple[str, ...]]], float, tuple[str, ...],
            tuple[float, tuple[str, ...]]]


def rank_all(matcher: Matcher, queries: list[LabelledQuery]) -> list[Row]:
    """Rewritten query, top-5 (id, score, topics) and the top article's coverage for every query."""
    rows = []
    for q in queries:
        norm = matcher.retriever.rewrite(normalize_text(q.query))
        ranked = matcher.rank(norm, 5)
        cover = matcher.retriever.coverage(norm, ranked[0].index) if ranked else 0.0
        unknown = matcher.retriever.unknown_names(normalize_text(q.query))
        cands = [(matcher.articles[r.index].article_id, r.score, r.topics) for r in ranked]
        rows.append((q, norm, cands, cover, unknown, matcher.foreign_share(q.query, norm)))
    return rows


def top1(rows: list[Row]) -> tuple[float, float]:
    """Top-1 and MRR@5 over in-scope rows."""
    inscope = [(q, c) for q, _, c, _, _, _ in rows if q.label]
    hit = sum(1 for q, c in inscope if c and c[0][0] == q.label)
    mrr = sum(next((1 / (i + 1) for i, (a, _, _) in enumerate(c) if a == q.label), 0) for q, c in inscope)
    return hit / len(inscope), mrr / len(inscope)


def overall(rows: list[Row], policy: DecisionPolicy) -> tuple[float, float, float]:
    """Overall accuracy, no-match precision and recall of ``policy`` on ranked rows."""
    right = said = true_none = 0
    n_out = sum(1 for q, _, _, _, _, _ in rows if q.label is None)
    for q, norm, cands, cover, unknown, foreign in rows:
        s1 = cands[0][1] if cands else 0.0
        s2 = cands[1][1] if len(cands) > 1 else 0.0
        decision, _ = decide(norm, s1, s2, policy, coverage=cover, unknown_names=unknown, foreign=foreign)
        if decision is Decision.NO_MATCH:
            said += 1
            true_none += q.label is None
        right += (q.label is None and decision is Decision.NO_MATCH) or (
            q.label is not None and decision is Decision.ANSWER and cands[0][0] == q.label)
    return right / len(rows), true_none / said if said else 0.0, true_none / n_out if n_out else 0.0


def policy_grid() -> list[DecisionPolicy]:
    """Candidate decision policies."""
    grid = []
    for am, au, ask, mg, cov, fm in itertools.product(
        (0.2, 0.22, 0.25, 0.3), (0.3, 0.33, 0.36, 0.4), (0.15, 0.17, 0.2), (0.0, 0.005, 0.02), (0.0, 0.15, 0.2, 0.25),
        (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 1.01),
    ):
        if ask <= am:
            grid.append(DecisionPolicy(am, au, ask, mg, cov, fm))
    return grid


def best_policy(rows: list[Row], grid: list[DecisionPolicy]) -> DecisionPolicy:
    """The policy of ``grid`` with the best overall on ``rows`` (ties: better no-match precision, then order)."""
    scored = [(overall(rows, p), n, p) for n, p in enumerate(grid)]
    scored.sort(key=lambda x: (-x[0][0], -x[0][1], x[1]))
    return scored[0][2]


def plateau_centre(rows: list[Row], grid: list[DecisionPolicy]) -> DecisionPolicy:
    """Per threshold, the median value over every policy tied for the best overall: on a flat optimum this is
    the choice least sensitive to which dev questions happen to sit at the edge."""
    scored = [(overall(rows, p)[0], p) for p in grid]
    best = max(score for score, _ in scored)
    tied = [p for score, p in scored if score >= best - 1e-9]
    fields = ("answer_min", "answer_min_unscoped", "ask_min", "margin_min", "coverage_min_unscoped", "foreign_max")
    values = {f: sorted(getattr(p, f) for p in tied) for f in fields}
    return DecisionPolicy(**{f: v[(len(v) - 1) // 2] for f, v in values.items()})


def cross_validate(rows: list[Row], folds: int) -> None:
    """Print each fold's chosen policy, its held-fold score, and the most often chosen policy."""
    grid = policy_grid()
    chosen: dict[DecisionPolicy, int] = {}
    right = 0.0
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        test = [r for i, r in enumerate(rows) if i % folds == k]
        policy = plateau_centre(train, grid)
        chosen[policy] = chosen.get(policy, 0) + 1
        acc = overall(test, policy)
        right += acc[0] * len(test)
        print(json.dumps({"fold": k, "held_overall": round(acc[0], 4), "policy": repr(policy)}))
    print(json.dumps({"cv_overall": round(right / len(rows), 4)}))
    stable = max(chosen.items(), key=lambda item: item[1])[0]
    print(json.dumps({"most_chosen": repr(stable), "times": chosen[stable], "full_dev": overall(rows, stable)}))
    centre = plateau_centre(rows, grid)
    print(json.dumps({"plateau_centre_full_dev": repr(centre), "full_dev": overall(rows, centre)}))


def tune_weights(articles: list, queries: list[LabelledQuery]) -> RetrievalWeights:
    """Grid-search retrieval weights for top-1 on dev and print the best few."""
    best = []
    for c, w, p, f, a in itertools.product((0.4, 0.5, 0.6), (0.2, 0.3, 0.4), (0.1, 0.2), (0.0, 0.1, 0.2), (0.1, 0.3, 0.5)):
        weights = RetrievalWeights(char=c, word=w, pinyin=p, fuzzy=f, answer_field=a)
        t1, mrr = top1(rank_all(Matcher(articles, weights=weights), queries))
        best.append((t1, mrr, weights))
    best.sort(key=lambda x: (-x[0], -x[1]))
    for t1, mrr, weights in best[:8]:
        print(json.dumps({"top1": round(t1, 4), "mrr5": round(mrr, 4), "weights": repr(weights)}, ensure_ascii=False))
    return best[0][2]


def feature_rows(matcher: Matcher, queries: list[LabelledQuery]) -> list[FeatureRow]:
    """For every in-scope query: label and the top-10 first-stage candidates with their re-ranking features."""
    retriever, rows = matcher.retriever, []
    retriever.reranker.weights = RerankWeights()  # first stage only
    for q in (q for q in queries if q.label):
        norm = retriever.rewrite(normalize_text(q.query))
        view = retriever.reranker.prepare(norm)
        cands = [(matcher.articles[r.index].article_id, r.score, retriever.reranker.features(view, r.index), r.keep)
                 for r in matcher.rank(norm, 10)]
        rows.append((q.label, cands))
    return rows


def rerank_top1(rows: list[FeatureRow], weights: tuple[float, ...]) -> float:
    """Top-1 after adding the weighted features to the first-stage scores."""
    hit = 0
    for label, cands in rows:
        if cands:
            best = max(cands, key=lambda c: c[1] + c[3] * sum(w * f for w, f in zip(weights, c[2])))
            hit += best[0] == label
    return hit / len(rows)


def fit_rerank(rows: list[FeatureRow]) -> tuple[float, ...]:
    """Median, per feature, of the grid points tied for the best top-1 on ``rows``."""
    grid = list(itertools.product((0, .1, .2, .3, .4, .5), (0, .1, .2, .3, .4), (0, .05, .1, .2), (0, .03, .06, .1, .15)))
    scored = [(rerank_top1(rows, w), w) for w in grid]
    best = max(score for score, _ in scored)
    tied = sorted(w for score, w in scored if score >= best - 1e-9)
    return tuple(sorted(w[i] for w in tied)[(len(tied) - 1) // 2] for i in range(4))


def cross_validate_rerank(rows: list[FeatureRow], folds: int) -> None:
    """Print each fold's fitted weights and held-fold top-1 (with and without re-ranking)."""
    held = base = 0.0
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        test = [r for i, r in enumerate(rows) if i % folds == k]
        weights = fit_rerank(train)
        held += rerank_top1(test, weights) * len(test)
        base += rerank_top1(test, (0, 0, 0, 0)) * len(test)
        print(json.dumps({"fold": k, "weights": weights, "held_top1": round(rerank_top1(test, weights), 4)}))
    print(json.dumps({"cv_top1": round(held / len(rows), 4), "first_stage_top1": round(base / len(rows), 4),
                      "full_dev_weights (head, title, keyword, action)": fit_rerank(rows)}))


def main() -> None:
    """Optionally grid-search weights for top-1, then cross-validate the decision thresholds."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", default="../shared/kb-eval/kb.yaml")
    parser.add_argument("--queries", default="../shared/kb-eval/dev.jsonl")
    parser.add_argument("--weights", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--pad", type=int, default=0)
    parser.add_argument("--rerank", action="store_true")
    args = parser.parse_args()
    articles, queries = load_articles(args.kb), load_queries(args.queries)
    if args.pad:
        articles = pad_articles(articles, args.pad)
    if args.rerank:
        cross_validate_rerank(feature_rows(Matcher(articles), queries), args.folds)
        return
    weights = tune_weights(articles, queries) if args.weights else RetrievalWeights()
    rows = rank_all(Matcher(articles, weights=weights), queries)
    print(json.dumps({"top1_mrr5": top1(rows), "current": overall(rows, DecisionPolicy())}))
    cross_validate(rows, args.folds)


if __name__ == "__main__":
    main()
