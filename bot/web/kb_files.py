"""Article files edited from the console: read, validate with the loader, replace atomically."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge_base import ArticleFormatError, ArticleStatus
from knowledge_base.loader import list_article_files, load_article_file

CONSOLE_FILE = "console.yaml"
DRAFTS_FILE = "drafts.yaml"
LIST_FIELDS = ("keywords", "synonyms", "questions")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SPLIT_RE = re.compile(r"[\n,，、;；]+")
_LIMITS = {"title": 200, "category": 50, "answer": 5000}
_PROBLEMS = {
    "missing required field": "为必填项", "must not be empty": "不能为空",
    "must be text": "必须是文字", "unknown field": "是未知字段",
    "must be a list of strings": "必须是文字列表",
}
_FIELD_NAMES = {"id": "编号", "title": "标题", "answer": "答案", "category": "分类",
                "keywords": "关键词", "synonyms": "同义词", "questions": "相似问法",
                "status": "状态", "file": "文件"}
# One writer at a time: a read-modify-write of a topic file must not interleave.
_WRITE_LOCK = threading.Lock()


class ArticleSaveError(Exception):
    """An article could not be saved; ``message`` is Chinese and meant for staff."""

    def __init__(self, message: str, field_name: str = "form") -> None:
        super().__init__(message)
        self.message = message
        self.field_name = field_name


@dataclass
class ArticleForm:
    """What staff typed into the article form, kept verbatim for re-rendering."""

    article_id: str = ""
    title: str = ""
    category: str = ""
    keywords: str = ""
    synonyms: str = ""
    questions: str = ""
    answer: str = ""
    status: str = ArticleStatus.PUBLISHED.value
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any]) -> ArticleForm:
        """A form filled from an article as stored (lists become one entry per line)."""
        def lines(name: str) -> str:
            value = item.get(name) or []
            return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
        return cls(article_id=str(item.get("id", "")), title=str(item.get("title", "")),
                   category=str(item.get("category") or ""), keywords=lines("keywords"),
                   synonyms=lines("synonyms"), questions=lines("questions"),
                   answer=str(item.get("answer", "")),
                   status=str(item.get("status") or ArticleStatus.PUBLISHED.value))

    def to_mapping(self) -> dict[str, Any]:
        """The article as written to YAML, in the authoring key order."""
        article: dict[str, Any] = {"id": self.article_id, "title": self.title}
        if self.category:  # the loader refuses an empty category; absent means none
            article["category"] = self.category
        return {**article, "status": self.status, "keywords": split_list(self.keywords),
                "synonyms": split_list(self.synonyms), "questions": split_list(self.questions),
                "answer": self.answer}


def split_list(text: str) -> list[str]:
    """One entry per line (commas, 、 and semicolons also separate), blanks dropped."""
    return list(dict.fromkeys(p.strip() for p in _SPLIT_RE.split(text) if p.strip()))


def read_article_form(data: Mapping[str, Any], *, fixed_id: str | None = None) -> ArticleForm:
    """Read and check the form; ``errors`` maps a field to a Chinese message."""
    def text(name: str) -> str:
        value = data.get(name)
        return value.strip().replace("\r\n", "\n") if isinstance(value, str) else ""
    form = ArticleForm(article_id=fixed_id if fixed_id is not None else text("article_id"),
                       title=text("title"), category=text("category"), answer=text("answer"),
                       keywords=text("keywords"), synonyms=text("synonyms"),
                       questions=text("questions"),
                       status=text("status") or ArticleStatus.PUBLISHED.value)
    if not _ID_RE.fullmatch(form.article_id):
        form.errors["article_id"] = "编号只能由字母、数字和 . _ - 组成（最多 100 个字符），如 acct.vpn_login。"
    for name, label in (("title", "标题"), ("answer", "答案")):
        if not getattr(form, name):
            form.errors[name] = f"请填写{label}。"
    for name, limit in _LIMITS.items():
        if len(getattr(form, name)) > limit:
            form.errors[name] = f"内容过长（最多 {limit} 个字）。"
    if form.status not in {s.value for s in ArticleStatus}:
        form.errors["status"] = "请选择状态：发布或草稿。"
    for name in LIST_FIELDS:
        if any(len(item) > 200 for item in split_list(getattr(form, name))):
            form.errors[name] = "每一项最多 200 个字。"
    return form


def find_article(root: Path, article_id: str) -> tuple[Path, dict[str, Any]] | None:
    """The file holding ``article_id`` and its mapping as stored, or None."""
    for file in list_article_files(root):
        for item in _entries(_read(file)):
            if isinstance(item, Mapping) and str(item.get("id", "")).strip() == article_id:
                return file, dict(item)
    return None


def save_article(root: Path, article: Mapping[str, Any], *, original_id: str | None,
                 new_file: str = CONSOLE_FILE) -> Path:
    """Write ``article`` (replacing ``original_id``, or added to ``new_file``) atomically.

    The new file text is written to a temporary file beside the target and parsed with the
    knowledge-base loader; only when it is valid and no id collides does it replace the file.
    """
    with _WRITE_LOCK:
        found = find_article(root, original_id) if original_id else None
        if original_id and found is None:
            raise ArticleSaveError("这篇文章已不存在（可能已被其他人修改或删除），请返回列表。")
        target = found[0] if found else (root if root.is_file() else root / new_file)
        data = _read(target) if target.exists() else []
        entries = [dict(e) for e in _entries(data)]
        if found:
            entries = [dict(article) if _id_of(e) == original_id else e for e in entries]
        else:
            entries.append(dict(article))
        _check_unique(root, target, entries)
        _replace(target, _header(target) + _dump(data, entries))
    return target


def _check_unique(root: Path, target: Path, entries: list[dict[str, Any]]) -> None:
    ids = [_id_of(e) for e in entries]
    for article_id in ids:
        if ids.count(article_id) > 1:
            raise ArticleSaveError(f"编号“{article_id}”已被同一文件中的另一篇文章使用。", "article_id")
    others = {_id_of(e): f for f in list_article_files(root) if f != target
              for e in _entries(_read(f))}
    for article_id in ids:
        if article_id in others:
            raise ArticleSaveError(
                f"编号“{article_id}”已被文件 {others[article_id].name} 中的文章使用，请换一个编号。",
                "article_id")


def _replace(target: Path, text: str) -> None:
    """Validate ``text`` as an article file, then swap it in with os.replace."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            load_article_file(tmp)
        except ArticleFormatError as err:
            raise ArticleSaveError(chinese_error(err)) from err
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def chinese_error(err: ArticleFormatError) -> str:
    """The loader's complaint in Chinese, naming the field."""
    name = err.field.rsplit(".", 1)[-1] if "." in err.field else err.field
    label = _FIELD_NAMES.get(name, name)
    problem = _PROBLEMS.get(err.problem, err.problem)
    return f"文章未保存：{label}{problem}。"


def _read(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ArticleSaveError(f"文章文件 {file.name} 无法读取，请先修复该文件：{err}") from err


def _entries(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        if isinstance(data.get("articles"), list):
            return list(data["articles"])
        if "id" in data:
            return [data]
    return []


def _id_of(entry: Any) -> str:
    return str(entry.get("id", "")).strip() if isinstance(entry, Mapping) else ""


def _dump(original: Any, entries: list[dict[str, Any]]) -> str:
    """Keep the file's shape: ``{articles: [...]}`` stays a mapping, anything else a list."""
    data: Any = entries
    if isinstance(original, Mapping) and isinstance(original.get("articles"), list):
        data = {**original, "articles": entries}
    return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))


def _header(target: Path) -> str:
    """The comment lines at the top of an existing file, kept across rewrites."""
    if not target.exists():
        return "# 在控制台中添加或编辑的知识库文章。\n"
    lines = []
    for line in target.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)
