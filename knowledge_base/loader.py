"""Load FAQ articles from YAML files (a directory of topic files or one kb.yaml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.article import Article, ArticleStatus
from knowledge_base.errors import ArticleFormatError

YAML_SUFFIXES = (".yaml", ".yml")
_LIST_FIELDS = ("keywords", "synonyms", "questions")
_KNOWN_FIELDS = {"id", "title", "category", "answer", "status", *_LIST_FIELDS}


def list_article_files(path: Path | str) -> list[Path]:
    """Return the YAML files that make up the knowledge base at ``path``, sorted."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ArticleFormatError(root, "path", "no such file or directory")
    return sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def load_mtimes(path: Path | str) -> dict[str, float]:
    """Return ``{file: mtime}`` for every article file, used to detect edits."""
    return {str(p): p.stat().st_mtime for p in list_article_files(path)}


def load_articles(path: Path | str, *, include_drafts: bool = False) -> list[Article]:
    """Read and validate every article under ``path``; drafts are skipped unless asked."""
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for file in list_article_files(path):
        for article in load_article_file(file):
            if article.article_id in seen:
                raise ArticleFormatError(
                    file, "id", f"duplicate id {article.article_id!r} (also in {seen[article.article_id]})"
                )
            seen[article.article_id] = str(file)
            if include_drafts or article.status is ArticleStatus.PUBLISHED:
                articles.append(article)
    return articles


def load_article_file(file: Path) -> list[Article]:
    """Parse one YAML file holding an article, a list of articles or ``{articles: [...]}``."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ArticleFormatError(file, "file", f"cannot read YAML: {err}") from err
    if data is None:
        return []
    return [mapping_to_article(item, file, index) for index, item in enumerate(_entries(data, file))]


def _entries(data: Any, file: Path) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        if "articles" in data:
            entries = data["articles"]
            if not isinstance(entries, list):
                raise ArticleFormatError(file, "articles", "must be a list of articles")
            return entries
        if "id" in data:
            return [data]
    raise ArticleFormatError(file, "articles", "expected an article, a list, or a mapping with 'articles'")


def mapping_to_article(item: Any, file: Path | str, index: int = 0) -> Article:
    """Validate one article mapping and convert it to an ``Article``."""
    where = f"articles[{index}]"
    if not isinstance(item, Mapping):
        raise ArticleFormatError(file, where, "each article must be a mapping")
    article_id = _required_text(item, "id", file, where)
    where = f"{where} (id {article_id})"
    unknown = sorted(set(map(str, item)) - _KNOWN_FIELDS)
    if unknown:
        raise ArticleFormatError(file, f"{where}.{unknown[0]}", "unknown field")
    lists = {name: _text_list(item.get(name), file, f"{where}.{name}") for name in _LIST_FIELDS}
    return Article(
        article_id=article_id,
        title=_required_text(item, "title", file, where),
        answer=_required_text(item, "answer", file, where),
        category=_optional_text(item, "category", file, where),
        keywords=lists["keywords"],
        synonyms=lists["synonyms"],
        questions=lists["questions"],
        status=_status(item.get("status"), file, where),
        source=str(file),
    )


def _required_text(item: Mapping[str, Any], name: str, file: Path | str, where: str) -> str:
    value = item.get(name)
    if value is None:
        raise ArticleFormatError(file, f"{where}.{name}", "missing required field")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ArticleFormatError(file, f"{where}.{name}", "must be text")
    text = str(value).strip()
    if not text:
        raise ArticleFormatError(file, f"{where}.{name}", "must not be empty")
    return text


def _optional_text(item: Mapping[str, Any], name: str, file: Path | str, where: str) -> str:
    if item.get(name) is None:
        return ""
    return _required_text(item, name, file, where)


def _text_list(value: Any, file: Path | str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",")]
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise ArticleFormatError(file, where, "must be a list of strings")
    items: list[str] = []
    for element in value:
        if isinstance(element, bool) or not isinstance(element, (str, int, float)):
            raise ArticleFormatError(file, where, f"entry {element!r} is not text")
        if str(element).strip():
            items.append(str(element).strip())
    return tuple(items)


def _status(value: Any, file: Path | str, where: str) -> ArticleStatus:
    if value is None:
        return ArticleStatus.PUBLISHED
    try:
        return ArticleStatus(str(value).strip().lower())
    except ValueError as err:
        allowed = ", ".join(s.value for s in ArticleStatus)
        raise ArticleFormatError(file, f"{where}.status", f"must be one of {allowed}") from err
