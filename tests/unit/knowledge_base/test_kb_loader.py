"""Loading article files: formats, drafts and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base import ArticleFormatError, ArticleStatus, load_articles

BENCH_FORMAT = """\
version: 1
articles:
- id: a.one
  title: 如何登录后台
  category: 账号
  keywords: [登录, 后台]
  answer: 从门户进入。
- id: a.two
  title: 轮播图怎么换
  answer: 在轮播栏目里换。
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_starter_kb_has_at_least_sixty_valid_articles(starter_dir: Path) -> None:
    articles = load_articles(starter_dir)
    assert len(articles) >= 60
    assert len({a.article_id for a in articles}) == len(articles)
    assert all(a.title and a.answer and a.keywords and a.category for a in articles)


def test_benchmark_single_file_format_with_optional_fields_missing(tmp_path: Path) -> None:
    articles = load_articles(write(tmp_path, "kb.yaml", BENCH_FORMAT))
    assert [a.article_id for a in articles] == ["a.one", "a.two"]
    assert articles[1].keywords == () and articles[1].category == ""


def test_directory_of_topic_files_is_read_in_order(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", "- {id: b.1, title: 标题乙, answer: 答案乙}\n")
    write(tmp_path, "a.yml", "id: a.1\ntitle: 标题甲\nanswer: 答案甲\nquestions: [问法一]\n")
    write(tmp_path, "notes.txt", "not an article")
    articles = load_articles(tmp_path)
    assert [a.article_id for a in articles] == ["a.1", "b.1"]
    assert articles[0].questions == ("问法一",)


def test_drafts_are_skipped_unless_asked(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", "- {id: p, title: 已发布, answer: 甲}\n- {id: d, title: 草稿, answer: 乙, status: draft}\n")
    assert [a.article_id for a in load_articles(tmp_path)] == ["p"]
    with_drafts = load_articles(tmp_path, include_drafts=True)
    assert [a.status for a in with_drafts] == [ArticleStatus.PUBLISHED, ArticleStatus.DRAFT]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("- {id: x, answer: 甲}\n", "title"),
        ("- {title: 甲, answer: 乙}\n", "id"),
        ("- {id: x, title: 甲, answer: '  '}\n", "answer"),
        ("- {id: x, title: 甲, answer: 乙, keywords: {a: 1}}\n", "keywords"),
        ("- {id: x, title: 甲, answer: 乙, status: archived}\n", "status"),
        ("- {id: x, title: 甲, answer: 乙, colour: red}\n", "colour"),
        ("- just a string\n", "articles[0]"),
        ("articles: 3\n", "articles"),
        ("- {id: x, title: [甲, 乙], answer: 乙}\n", "title"),
        ("key: [unclosed\n", "file"),
    ],
)
def test_invalid_article_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, "broken.yaml", text)
    with pytest.raises(ArticleFormatError) as caught:
        load_articles(tmp_path)
    assert str(path) in str(caught.value)
    assert field in caught.value.field


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- {id: same, title: 甲, answer: 甲}\n")
    write(tmp_path, "b.yaml", "- {id: same, title: 乙, answer: 乙}\n")
    with pytest.raises(ArticleFormatError, match="duplicate id 'same'"):
        load_articles(tmp_path)


def test_missing_path_is_an_article_format_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleFormatError, match="no such file"):
        load_articles(tmp_path / "absent")
