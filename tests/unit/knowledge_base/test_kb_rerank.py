"""Second-stage re-ranking features and the unknown-name out-of-scope evidence."""

from __future__ import annotations

from knowledge_base import Decision, Matcher
from knowledge_base.article import Article
from knowledge_base.coverage import NameVocabulary
from knowledge_base.rerank import Reranker, RerankWeights, actions_in
from knowledge_base.tokenizer import shared_tokenizer


def test_actions_are_recognised_in_colloquial_wording() -> None:
    assert "add" in actions_in("给学院网站加个新栏目")
    assert "modify" in actions_in("审核流程想从三级改成两级")
    assert "restore" in actions_in("误删的文章能找回吗")
    assert actions_in("首页轮播图尺寸多大") == frozenset()


def test_features_prefer_the_article_whose_title_and_action_match() -> None:
    heads = [("如何新增栏目或子栏目", ("新增栏目", "添加栏目")), ("如何删除栏目", ("删除栏目", "隐藏栏目"))]
    reranker = Reranker(heads, {"栏目": 1.0, "新增": 2.0}, shared_tokenizer(), RerankWeights(0.4, 0.2, 0.05, 0.06))
    view = reranker.prepare("怎么新增一个栏目")
    add, delete = reranker.features(view, 0), reranker.features(view, 1)
    assert add[3] == 1.0 and delete[3] == -1.0
    assert reranker.bonus(add) > reranker.bonus(delete)


def test_unknown_latin_names_are_those_the_kb_never_mentions() -> None:
    names = NameVocabulary(["上传 pdf 附件", "https 证书"], known=("word",))
    assert names.unknown("gitlab怎么申请账号") == ("gitlab",)
    assert names.unknown("how to 上传pdf和word") == ()


def test_question_about_an_unknown_product_is_not_answered() -> None:
    articles = [Article("a.account", "如何开通后台账号", "找网站负责人申请。", keywords=("开通账号", "账号申请"))]
    matcher = Matcher(articles)
    result = matcher.match("学校gitlab怎么申请账号")
    assert result.decision is Decision.NO_MATCH
    assert "gitlab" in result.reason and "不是网站群" in result.reason
    assert matcher.match("网站后台怎么申请账号").decision is Decision.ANSWER
