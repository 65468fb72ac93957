"""Draft articles from incidents, and deterministic benchmark padding."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge_base import ArticleStatus, load_articles
from knowledge_base.draft import article_draft_from_text, dump_article_yaml
from knowledge_base.pad import pad_articles


def test_draft_round_trips_through_the_loader_as_a_draft(tmp_path: Path) -> None:
    draft = article_draft_from_text("栏目列表不显示分页", "老师好，新闻列表的翻页按钮不见了", "在栏目属性中开启分页后重新发布栏目。")
    assert draft["status"] == "draft" and draft["id"].startswith("draft.")
    assert "分页" in draft["keywords"]
    text = dump_article_yaml(draft, tmp_path / "draft.yaml")
    assert "栏目列表不显示分页" in text  # readable Chinese, not escapes
    assert load_articles(tmp_path) == []
    loaded = load_articles(tmp_path, include_drafts=True)
    assert loaded[0].status is ArticleStatus.DRAFT
    assert loaded[0].questions == ("老师好，新闻列表的翻页按钮不见了",)


def test_draft_ids_are_fresh_and_answer_is_required() -> None:
    first = article_draft_from_text("标题", "", "答案")
    second = article_draft_from_text("标题", "", "答案")
    assert first["id"] != second["id"]
    with pytest.raises(ValueError):
        article_draft_from_text("标题", "问题", " ")


def test_dump_is_valid_yaml_list() -> None:
    draft = article_draft_from_text("附件乱码", "下载附件名字乱码", "换用新版浏览器。")
    assert yaml.safe_load(dump_article_yaml(draft))[0]["title"] == "附件乱码"


def test_padding_is_deterministic_and_reaches_the_total() -> None:
    first = pad_articles([], 500)
    again = pad_articles([], 500)
    assert len(first) == 500
    assert [a.title for a in first] == [a.title for a in again]
    assert len({a.article_id for a in first}) == 500
    assert [a.title for a in pad_articles([], 50, seed=1)] != [a.title for a in first[:50]]


def test_padding_keeps_original_articles_first(starter_dir: Path) -> None:
    base = load_articles(starter_dir)
    padded = pad_articles(base, len(base) + 10)
    assert padded[: len(base)] == base and len(padded) == len(base) + 10
    assert pad_articles(base, 5) == base
