"""Errors raised by the knowledge base package."""

from __future__ import annotations

from pathlib import Path


class KnowledgeBaseError(Exception):
    """Root of every error raised by ``knowledge_base``."""


class ArticleFormatError(KnowledgeBaseError):
    """An article file is unreadable or an article field is invalid."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: field '{field}': {problem}")


class QueryFileError(KnowledgeBaseError):
    """A benchmark query file line cannot be parsed."""
