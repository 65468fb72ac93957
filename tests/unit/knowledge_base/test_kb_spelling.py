"""Query rewriting: homophone typo correction, English glosses, acknowledgements, whole-token ASCII topics."""

from __future__ import annotations

import pytest

from knowledge_base import Matcher, normalize_text
from knowledge_base.article import Article
from knowledge_base.lexicon import has_term, topics_in
from knowledge_base.lexicon import DOMAIN_WORDS, SYNONYM_GROUPS
from knowledge_base.spelling import HomophoneCorrector, drop_context, gloss_in_place


@pytest.fixture(scope="module")
def corrector() -> HomophoneCorrector:
    return HomophoneCorrector(["轮播图", "置顶", "审核", "下载附件"], ["审核", "下载", "附件", "发布", "新闻"])


@pytest.mark.parametrize(
    ("typo", "fixed"), [("轮博图怎么换", "轮播图怎么换"), ("文章至顶", "文章置顶"), ("附件下栽不了", "附件下载不了")]
)
def test_homophone_typos_are_corrected(corrector: HomophoneCorrector, typo: str, fixed: str) -> None:
    assert corrector.correct(typo) == fixed


def test_real_words_and_particles_are_left_alone(corrector: HomophoneCorrector) -> None:
    assert corrector.correct("发布了新闻") == "发布了新闻"


def test_english_words_are_glossed_where_they_stand() -> None:
    assert gloss_in_place("后台怎么login password忘了") == "后台怎么登录 密码忘了"
    assert gloss_in_place("logo怎么换") == "logo怎么换"  # no gloss: the word stays


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("在学院网站下面加栏目", "在 网站下面加栏目"),
        ("我们单位的网站打不开", " 网站打不开"),
        ("研究生院网站", "研究生院网站"),
        ("退休老师的账号", "退休 的账号"),
        ("学院合并了", " 合并了"),
        ("学院简介怎么改", "学院简介怎么改"),
        ("不在学校怎么登录", "不在学校怎么登录"),
    ],
)
def test_the_askers_setting_is_read_away(text: str, expected: str) -> None:
    assert drop_context(text) == expected


def test_reading_the_setting_away_leaves_every_lexicon_term_whole() -> None:
    members = [m for group in SYNONYM_GROUPS for m in group] + list(DOMAIN_WORDS)
    assert [m for m in members if drop_context(m) != m] == []


def test_a_site_owner_does_not_pull_questions_to_the_new_site_article() -> None:
    matcher = Matcher(
        [
            Article("site.apply", "如何申请新建二级网站", "填写申请表。", keywords=("新建网站", "二级网站", "学院网站")),
            Article("column.add", "如何新增栏目或子栏目", "在站点树中新建。", keywords=("新增栏目", "子栏目", "二级栏目")),
        ]
    )
    assert matcher.match("在学院网站下面加一个二级栏目").candidates[0].article_id == "column.add"


def test_ascii_topic_words_match_whole_tokens_only() -> None:
    assert not has_term("upload图片失败", "oa")
    assert has_term("oa系统登不上", "oa")
    assert topics_in("upload图片一直failed") == ()


@pytest.mark.parametrize("text", ["收到，谢谢老师👍", "好的 收到", "[表情][表情]"])
def test_acknowledgements_normalise_to_empty(text: str) -> None:
    assert normalize_text(text) == ""


def test_acknowledgement_words_inside_a_question_stay() -> None:
    assert normalize_text("收到漏洞通报怎么办") == "收到漏洞通报怎么办"


def test_starter_kb_handles_a_homophone_typo(starter_matcher: Matcher) -> None:
    result = starter_matcher.match("首页轮博图怎么换")
    assert result.candidates[0].article_id == "media.slides"
