"""KnowledgeBase: a matcher built from article files that can be rebuilt and swapped without a restart."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.article import Article
from knowledge_base.loader import load_articles, load_mtimes
from knowledge_base.matcher import Matcher, MatchResult

logger = logging.getLogger(__name__)

MatcherFactory = Callable[[list[Article]], Matcher]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    matcher: Matcher
    mtimes: dict[str, float]


class KnowledgeBase:
    """Holds the current matcher for an article directory; ``reload()`` swaps in a new one atomically."""

    def __init__(self, path: Path | str, factory: MatcherFactory | None = None) -> None:
        """Load ``path`` (a directory of YAML files or one kb.yaml) and build the first matcher."""
        self.path = Path(path)
        self._factory: MatcherFactory = factory or (lambda articles: Matcher(articles))
        self._reload_lock = threading.Lock()
        self._snapshot = self._build()

    @classmethod
    def from_path(cls, path: Path | str) -> KnowledgeBase:
        """Build a knowledge base with the default matcher settings."""
        return cls(path)

    @property
    def matcher(self) -> Matcher:
        """The matcher currently in use."""
        return self._snapshot.matcher

    @property
    def articles(self) -> tuple[Article, ...]:
        """The published articles currently matched against."""
        return self._snapshot.matcher.articles

    def match(self, text: str) -> MatchResult:
        """Match ``text`` with the current matcher (never blocks on a reload)."""
        return self._snapshot.matcher.match(text)

    def reload(self) -> int:
        """Re-read the files and swap the matcher; on an invalid file the old one stays and the error is raised."""
        with self._reload_lock:
            snapshot = self._build()
            self._snapshot = snapshot  # a single reference assignment: readers see old or new, never a mix
        logger.info("knowledge base reloaded path=%s articles=%d", self.path, len(snapshot.matcher.articles))
        return len(snapshot.matcher.articles)

    def reload_if_changed(self) -> bool:
        """Reload when an article file was added, removed or modified since the last build."""
        if load_mtimes(self.path) == self._snapshot.mtimes:
            return False
        self.reload()
        return True

    def _build(self) -> _Snapshot:
        mtimes = load_mtimes(self.path)
        return _Snapshot(self._factory(load_articles(self.path)), mtimes)
