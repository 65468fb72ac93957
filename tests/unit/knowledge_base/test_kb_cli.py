"""The evaluate command on the shared dev split and on our own held-out-style questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge_base.cli import main

KEYS = {"top1", "answered_correct", "mrr5", "nomatch_precision", "nomatch_recall", "overall", "latency_ms_mean", "latency_ms_p95"}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    report: dict[str, object] = json.loads(out[0])
    return report


def test_evaluate_on_shared_dev_split(capsys: pytest.CaptureFixture[str], kb_eval_dir: Path) -> None:
    report = run_cli(capsys, "evaluate", "--kb", str(kb_eval_dir / "kb.yaml"), "--queries", str(kb_eval_dir / "dev.jsonl"))
    assert KEYS <= report.keys()
    assert float(str(report["top1"])) >= 0.90
    assert float(str(report["overall"])) >= 0.85
    assert float(str(report["nomatch_recall"])) >= 0.80


def test_own_heldout_style_questions_hold_up(
    capsys: pytest.CaptureFixture[str], kb_eval_dir: Path, own_heldout: Path
) -> None:
    report = run_cli(capsys, "evaluate", "--kb", str(kb_eval_dir / "kb.yaml"), "--queries", str(own_heldout))
    assert float(str(report["top1"])) >= 0.90
    assert float(str(report["overall"])) >= 0.90
    assert float(str(report["nomatch_precision"])) >= 0.90


def test_sealed_questions_stay_near_the_targets(capsys: pytest.CaptureFixture[str], kb_eval_dir: Path) -> None:
    """The sealed set (never read, README) guards against regressions: targets less two points of noise."""
    sealed = Path(__file__).with_name("probe_sealed.jsonl")
    report = run_cli(capsys, "evaluate", "--kb", str(kb_eval_dir / "kb.yaml"), "--queries", str(sealed))
    assert float(str(report["top1"])) >= 0.90
    assert float(str(report["overall"])) >= 0.88
    assert float(str(report["nomatch_precision"])) >= 0.88
    assert float(str(report["nomatch_recall"])) >= 0.75


def test_evaluate_with_padding_reports_article_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, starter_dir: Path
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"qid": "1", "query": "首页轮播图怎么换", "label": "media.slides"}\n'
        '{"qid": "2", "query": "一卡通丢了怎么挂失", "label": null}\n',
        encoding="utf-8",
    )
    report = run_cli(capsys, "evaluate", "--kb", str(starter_dir), "--queries", str(queries), "--pad", "300")
    assert KEYS <= report.keys()
    assert report["articles"] == 300 and report["top1"] == 1.0 and report["nomatch_recall"] == 1.0


def test_match_and_check_commands(capsys: pytest.CaptureFixture[str], starter_dir: Path) -> None:
    record = run_cli(capsys, "match", "--kb", str(starter_dir), "帳號被鎖定了")
    assert record["decision"] == "answer" and record["article_id"] == "acct.password_reset"
    assert run_cli(capsys, "check", "--kb", str(starter_dir))["articles"] == 64


def test_bad_kb_path_exits_with_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", "--kb", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
