"""Scale: articles about other campus systems must not reweigh or outrank the desk's own articles."""

from __future__ import annotations

import pytest

from knowledge_base import Matcher
from knowledge_base.article import Article
from knowledge_base.lexicon import foreign_topics
from knowledge_base.normalize import normalize_field
from knowledge_base.pad import pad_articles
from knowledge_base.retrieval import Retriever
from knowledge_base.tfidf import TfidfIndex

_DOMAIN = [
    Article("article.edit", "已发布的文章如何修改", "在文章列表中编辑。", keywords=("修改文章", "改错字", "文章更正")),
    Article("security.check", "发布前如何检查错别字和敏感词", "使用内容检查。", keywords=("错别字", "敏感词", "校对")),
    Article("media.upload", "图片上传失败、过大或显示模糊怎么办", "压缩后再传。", keywords=("图片上传", "图片太大")),
]


def test_idf_comes_from_the_weighting_documents_only() -> None:
    docs = [{"文章": 1.0, "修改": 1.0}, {"文章": 1.0}, {"问卷": 1.0, "文章": 1.0}, {"问卷": 1.0}]
    index = TfidfIndex(docs, weighting=[True, True, False, False])
    alone = TfidfIndex(docs[:2])
    assert index.idf["文章"] == alone.idf["文章"]
    assert index.idf["修改"] == alone.idf["修改"]
    assert index.idf["问卷"] > index.idf["修改"]  # a term only foreign articles use counts as the rarest


def test_no_weighting_document_falls_back_to_all() -> None:
    docs = [{"a": 1.0}, {"b": 1.0}]
    assert TfidfIndex(docs, weighting=[False, False]).idf == TfidfIndex(docs).idf


def test_own_term_weights_are_the_same_with_thousands_of_foreign_articles() -> None:
    foreign = [a for a in pad_articles(_DOMAIN, 3000)[len(_DOMAIN) :] if _about_another_system(a)]
    assert len(foreign) > 2500
    small = Retriever(_DOMAIN)
    padded = Retriever([*_DOMAIN, *foreign])
    for channel in ("_char", "_word", "_pinyin"):
        own, large = getattr(small, channel).idf, getattr(padded, channel).idf
        assert {term: large[term] for term in own} == pytest.approx(own)


def _about_another_system(article: Article) -> bool:
    return bool(foreign_topics(normalize_field(" ".join((article.title, *article.terms)))))


def test_a_foreign_article_close_in_wording_does_not_win_on_its_fuzzy_score() -> None:
    upload = Article("media.upload", "照片太大传不上去怎么办", "压缩后再传。", keywords=("照片压缩", "图片过大"))
    foreign = Article("survey.image", "问卷系统：图片上传不了", "问卷系统请联系其管理员。", keywords=("问卷图片",))
    matcher = Matcher([_DOMAIN[0], upload, foreign])
    assert matcher.match("图片上传不了").candidates[0].article_id == "media.upload"
    assert matcher.match("问卷里图片上传不了").candidates[0].article_id == "survey.image"
