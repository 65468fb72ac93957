"""The Article value type: one FAQ entry of the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ArticleStatus(StrEnum):
    """Lifecycle of an article: only published ones are matched by default."""

    PUBLISHED = "published"
    DRAFT = "draft"


@dataclass(frozen=True, slots=True)
class Article:
    """One FAQ article: what users ask about and the answer staff approved."""

    article_id: str
    title: str
    answer: str
    category: str = ""
    keywords: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    status: ArticleStatus = ArticleStatus.PUBLISHED
    source: str = field(default="", compare=False)

    @property
    def terms(self) -> tuple[str, ...]:
        """Keywords and synonyms together, in authoring order."""
        return self.keywords + self.synonyms
