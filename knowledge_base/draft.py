"""Turn a resolved incident into a draft FAQ article that staff review before publishing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.article import ArticleStatus
from knowledge_base.normalize import normalize_text
from knowledge_base.tokenizer import shared_tokenizer

DRAFT_CATEGORY = "待整理"
_MAX_KEYWORDS = 6


def new_article_id(prefix: str = "draft") -> str:
    """A fresh article id such as ``draft.3f9c2a1b``."""
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def article_draft_from_text(title: str, question: str, answer: str, category: str = DRAFT_CATEGORY) -> dict[str, Any]:
    """A draft article mapping (``status: draft``) from an incident's title, the user's question and the fix."""
    title, question, answer = title.strip(), question.strip(), answer.strip()
    if not title or not answer:
        raise ValueError("a draft article needs a title and an answer")
    words = shared_tokenizer().words(normalize_text(f"{title} {question}"))
    keywords = list(dict.fromkeys(w for w in words if len(w) >= 2 and not re.fullmatch(r"\d+", w)))
    return {
        "id": new_article_id(),
        "title": title,
        "category": category,
        "status": ArticleStatus.DRAFT.value,
        "keywords": keywords[:_MAX_KEYWORDS],
        "synonyms": [],
        "questions": [question] if question and question != title else [],
        "answer": answer,
    }


def dump_article_yaml(article: Mapping[str, Any], path: Path | str | None = None) -> str:
    """Serialise an article mapping as YAML (readable Chinese, stable key order); write it when ``path`` is given."""
    text = str(yaml.safe_dump([dict(article)], allow_unicode=True, sort_keys=False, width=100))
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
