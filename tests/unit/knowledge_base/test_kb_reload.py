"""Reloading the knowledge base from files without a restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from knowledge_base import ArticleFormatError, Decision, KnowledgeBase

FIRST = """\
- id: login.portal
  title: 网站群后台怎么登录
  keywords: [登录, 后台入口]
  answer: 从信息门户进入网站群管理。
- id: media.slides
  title: 首页轮播图怎么更换
  keywords: [轮播图, 焦点图]
  answer: 在轮播图栏目里上传新图片。
"""
NEW_ARTICLE = """\
- id: media.float
  title: 首页飘窗怎么关闭
  keywords: [飘窗, 浮动窗口, 弹窗]
  answer: 在站点设置里取消飘窗并重新发布首页。
"""


def bump_mtime(path: Path, seconds: int) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + seconds, stat.st_mtime + seconds))


def test_reload_picks_up_a_new_article_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(FIRST, encoding="utf-8")
    kb = KnowledgeBase.from_path(tmp_path)
    assert all(c.article_id != "media.float" for c in kb.match("首页飘窗怎么关").candidates)
    (tmp_path / "media.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
    assert kb.reload() == 3
    result = kb.match("首页飘窗怎么关")
    assert result.decision is Decision.ANSWER
    assert result.article is not None and result.article.article_id == "media.float"


def test_reload_if_changed_detects_edits_and_removals(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(FIRST, encoding="utf-8")
    kb = KnowledgeBase(tmp_path)
    assert kb.reload_if_changed() is False
    base.write_text(FIRST + NEW_ARTICLE, encoding="utf-8")
    bump_mtime(base, 5)
    assert kb.reload_if_changed() is True
    assert len(kb.articles) == 3
    base.unlink()
    (tmp_path / "other.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
    assert kb.reload_if_changed() is True
    assert [a.article_id for a in kb.articles] == ["media.float"]


def test_failed_reload_keeps_the_old_matcher(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(FIRST, encoding="utf-8")
    kb = KnowledgeBase(tmp_path)
    before = kb.matcher
    (tmp_path / "bad.yaml").write_text("- {id: broken, answer: 无标题}\n", encoding="utf-8")
    with pytest.raises(ArticleFormatError, match="title"):
        kb.reload()
    assert kb.matcher is before
    assert kb.match("后台怎么登录").decision is Decision.ANSWER
