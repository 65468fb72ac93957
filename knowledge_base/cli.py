"""Command line: ``python -m knowledge_base evaluate|match|check``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.evaluate import evaluate_matcher, list_misses, load_queries, run_queries
from knowledge_base.loader import load_articles
from knowledge_base.matcher import Matcher
from knowledge_base.pad import DEFAULT_SEED, pad_articles


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the knowledge base command line."""
    parser = argparse.ArgumentParser(prog="python -m knowledge_base", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="score the matcher on a labelled query file, print one JSON object")
    ev.add_argument("--kb", required=True, help="kb.yaml or a directory of article files")
    ev.add_argument("--queries", required=True, help="JSONL with qid, query, label")
    ev.add_argument("--pad", type=int, default=0, help="add generated distractors up to N articles in total")
    ev.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the distractor generator")
    ev.add_argument("--misses", action="store_true", help="also list the wrongly decided queries")
    match = sub.add_parser("match", help="match one question and print the result as JSON")
    match.add_argument("--kb", required=True)
    match.add_argument("text")
    check = sub.add_parser("check", help="validate article files and print how many were loaded")
    check.add_argument("--kb", required=True)
    return parser


def run_evaluate(args: argparse.Namespace) -> dict[str, object]:
    """Build the matcher from ``--kb`` alone (plus padding) and score ``--queries``."""
    articles = load_articles(args.kb)
    if args.pad:
        articles = pad_articles(articles, args.pad, seed=args.seed)
    started = time.perf_counter()
    matcher = Matcher(articles)
    build_s = time.perf_counter() - started
    queries = load_queries(args.queries)
    report: dict[str, object] = evaluate_matcher(matcher, queries)
    report["build_s"] = round(build_s, 3)
    if args.misses:
        results, _ = run_queries(matcher, queries)
        report["misses"] = list_misses(queries, results)
    return report


def run_match(args: argparse.Namespace) -> dict[str, object]:
    """Match one question against ``--kb``."""
    result = Matcher(load_articles(args.kb)).match(args.text)
    record = result.to_log_record()
    record["candidates"] = [[c.article_id, c.title, c.score] for c in result.candidates]
    return record


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            report = run_evaluate(args)
        elif args.command == "match":
            report = run_match(args)
        else:
            report = {"articles": len(load_articles(args.kb, include_drafts=True))}
    except (KnowledgeBaseError, OSError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0
