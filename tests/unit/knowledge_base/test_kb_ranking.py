"""Ranking golden cases and out-of-scope traps on the starter knowledge base."""

from __future__ import annotations

import pytest

from knowledge_base import Decision, Matcher
from knowledge_base.matcher import MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        # mixed Chinese and English
        ("HTTPS证书过期了", "sec.https"),
        ("word粘贴后格式乱了", "post.word_import"),
        ("PDF能在线预览吗", "file.preview"),
        ("网站logo换新的", "tpl.logo"),
        ("首页banner图片多大", "media.slides"),
        ("IE浏览器打开后台按钮错位", "acct.browser_issue"),
        # typos and homophones
        ("输错秘码被锁了", "acct.password_reset"),
        ("后台登陆入口在哪", "acct.sign_in"),
        ("轮拨图尺寸多大", "media.slides"),
        ("访问统记在哪看", "stat.traffic"),
        # traditional characters and chat noise
        ("帳號被鎖定了怎麼辦", "acct.password_reset"),
        ("[CQ:at,qq=10001] 老師好，首頁的飄窗怎麼關閉？", "media.float_window"),
        # colloquial paraphrases
        ("网站被挂了赌博链接", "sec.defacement"),
        ("新来的信息员怎么开账号", "acct.new_account"),
        ("页脚备案号怎么改", "tpl.footer"),
        ("附件打不开提示404", "file.broken_download"),
        ("怎么让文章定时发布", "post.schedule"),
        ("哀悼日首页变灰", "tpl.grayscale"),
    ],
)
def test_golden_questions_are_answered_with_the_right_article(
    starter_matcher: Matcher, question: str, article_id: str
) -> None:
    result = starter_matcher.match(question)
    assert result.candidates[0].article_id == article_id
    assert result.decision is Decision.ANSWER
    assert result.article is not None and result.article.article_id == article_id
    assert result.reason


@pytest.mark.parametrize(
    "question",
    [
        "学校邮箱密码忘了",
        "VPN客户端闪退",
        "教务系统选课登不上",
        "一卡通丢了怎么挂失",
        "打印机连不上",
        "数据库mysql怎么备份",
        "公众号推文用什么编辑器排版",
        "财务报销单怎么填",
        "校园网wifi连不上",
    ],
)
def test_other_campus_systems_get_no_match(starter_matcher: Matcher, question: str) -> None:
    result = starter_matcher.match(question)
    assert result.decision is Decision.NO_MATCH
    assert result.article is None
    assert "不是网站群" in result.reason


@pytest.mark.parametrize("greeting", ["在吗", "你好", "[图片]", "老师好[CQ:face,id=1]"])
def test_greeting_is_no_match_with_reason(starter_matcher: Matcher, greeting: str) -> None:
    result = starter_matcher.match(greeting)
    assert result.decision is Decision.NO_MATCH
    assert result.normalized_query == ""
    assert result.candidates == ()
    assert "问候" in result.reason


def test_unrelated_chatter_is_not_answered(starter_matcher: Matcher) -> None:
    assert starter_matcher.match("明天天气怎么样").decision is not Decision.ANSWER


def test_result_carries_what_the_caller_logs(starter_matcher: Matcher) -> None:
    record = starter_matcher.match("@李老师 首页轮播图怎么换").to_log_record()
    assert record["decision"] == "answer"
    assert record["article_id"] == "media.slides"
    assert record["normalized_query"] == "首页轮播图怎么换"
    assert record["candidate_ids"][0] == "media.slides"
    assert isinstance(record["score"], float) and record["reason"]


def test_decision_values_are_lowercase_strings() -> None:
    assert [d.value for d in Decision] == ["answer", "ask_back", "no_match"]


def test_a_very_long_message_is_read_up_to_the_limit(starter_matcher: Matcher) -> None:
    result = starter_matcher.match("首页轮播图怎么换" + "我们学校部门" * 5000)
    assert len(result.normalized_query) <= MAX_QUESTION_CHARS
    assert result.candidates[0].article_id == "media.slides"
