"""Fixtures for knowledge base tests: the starter KB matcher and the shared benchmark directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base import Matcher, load_articles

REPO_ROOT = Path(__file__).resolve().parents[3]
STARTER_ARTICLES = REPO_ROOT / "knowledge_base" / "articles"
KB_EVAL = REPO_ROOT.parent / "shared" / "kb-eval"
OWN_HELDOUT = Path(__file__).with_name("heldout_own.jsonl")


@pytest.fixture(scope="session")
def starter_matcher() -> Matcher:
    """A matcher over the shipped starter articles."""
    return Matcher(load_articles(STARTER_ARTICLES))


@pytest.fixture(scope="session")
def kb_eval_dir() -> Path:
    """The shared benchmark directory; skips the test when it is absent."""
    if not (KB_EVAL / "kb.yaml").is_file() or not (KB_EVAL / "dev.jsonl").is_file():
        pytest.skip("shared kb-eval benchmark not present")
    return KB_EVAL


@pytest.fixture(scope="session")
def starter_dir() -> Path:
    """Directory of the shipped starter articles."""
    return STARTER_ARTICLES


@pytest.fixture(scope="session")
def own_heldout() -> Path:
    """Our own held-out-style questions, labelled against the benchmark kb.yaml."""
    return OWN_HELDOUT
