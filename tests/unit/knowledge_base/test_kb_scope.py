"""The out-of-scope evidence derived from the KB's own vocabulary (knowledge_base/scope.py)."""

from __future__ import annotations

import pytest

from knowledge_base import Matcher
from knowledge_base.article import Article
from knowledge_base.decide import Decision, DecisionPolicy, decide
from knowledge_base.lexicon import foreign_topics
from knowledge_base.scope import DomainVocabulary
from knowledge_base.tokenizer import shared_tokenizer, synonym_terms

_HEADS = ("文章如何设置外部链接", "外链", "转载", "忘记后台密码怎么办", "重置密码", "栏目改名")


def _vocabulary() -> DomainVocabulary:
    return DomainVocabulary(_HEADS, shared_tokenizer())


def test_words_the_kb_uses_are_in_domain() -> None:
    share, foreign = _vocabulary().foreign_share("转载的文章怎么只放个链接")
    assert share == 0.0 and foreign == ()


def test_unknown_distinctive_words_make_a_question_foreign() -> None:
    share, foreign = _vocabulary().foreign_share("学生证丢了补办找哪个部门")
    assert share >= 0.65
    assert "学生证" in foreign


def test_a_named_campus_system_is_weak_evidence_only() -> None:
    vocab = _vocabulary()
    alone, _ = vocab.foreign_share("邮箱密码忘了怎么重置")
    with_context, _ = vocab.foreign_share("转载公众号文章怎么只放个链接")
    assert alone > with_context
    assert with_context < 0.65


def test_foreign_questions_are_gated_unless_they_name_the_website() -> None:
    policy = DecisionPolicy()
    foreign = (0.8, ("学生证",))
    assert decide("学生证补办", 0.9, 0.1, policy, foreign=foreign)[0] is Decision.NO_MATCH
    assert decide("网站上学生证补办的通知", 0.9, 0.1, policy, foreign=foreign)[0] is Decision.ANSWER
    assert decide("学生证补办", 0.9, 0.1, policy, foreign=(0.3, ("学生证",)))[0] is Decision.ANSWER


def test_amounts_and_times_are_not_distinctive_words() -> None:
    vocab = DomainVocabulary(("审核流程怎么配置", "工作流"), shared_tokenizer())
    share, foreign = vocab.foreign_share("审核流程想从三级改成两级")
    assert "三级" not in foreign and "两级" not in foreign
    assert share < 0.65


def test_university_people_and_units_do_not_make_a_question_foreign() -> None:
    vocab = DomainVocabulary(("审核流程", "送审", "审核人"), shared_tokenizer())
    share, foreign = vocab.foreign_share("部门负责人审完了还要宣传部审核吗")
    assert "宣传部" not in foreign and "负责人" not in foreign
    assert share < 0.65


def test_everyday_words_of_web_work_count_as_known() -> None:
    vocab = DomainVocabulary(("紧急稿件怎么发布", "审核人不在"), shared_tokenizer())
    share, foreign = vocab.foreign_share("稿子没人审 审核人不在")
    assert share == 0.0 and foreign == ()


def test_scheduled_publishing_is_not_an_article_about_another_system() -> None:
    assert foreign_topics("如何定时发布文章 预约发布") == ()
    assert foreign_topics("会议室预约") != ()


def test_a_question_about_another_named_system_is_foreign() -> None:
    vocab = DomainVocabulary(("站群管理系统登录", "统计报表导出", "审核流程设置", "误删恢复"), shared_tokenizer())
    assert vocab.other_system("财务系统的统计报表怎么导出") == "财务系统"
    assert vocab.other_system("企业微信的审批流程怎么设置") == "企业微信"
    assert vocab.other_system("个人云盘里的文件误删了能恢复吗") == "云盘"
    assert vocab.other_system("学校邮箱密码忘了怎么找回") == "邮箱"
    assert vocab.other_system("转载公众号文章怎么只放个链接") is None  # a 公众号 article linked from the site
    assert vocab.foreign_share("财务系统的统计报表怎么导出") == (1.0, ("财务系统",))


def test_the_kbs_own_system_and_time_words_are_not_another_system() -> None:
    vocab = DomainVocabulary(("站群管理系统登录", "系统维护"), shared_tokenizer())
    assert vocab.other_system("站群管理系统的登录入口在哪") is None
    assert vocab.other_system("今晚系统升级吗") is None
    assert vocab.other_system("网站在我电脑上显示不全") is None


def test_a_compound_ending_in_a_context_word_is_context() -> None:
    vocab = DomainVocabulary(("飘窗", "浮动窗口"), shared_tokenizer())
    _, foreign = vocab.foreign_share("开学典礼的飘窗怎么关")
    assert "开学典礼" not in foreign


def test_quoted_names_and_editing_verbs_do_not_make_a_question_foreign() -> None:
    matcher = Matcher([Article("column.rename", "如何修改栏目名称", "在栏目管理中修改。", keywords=("栏目改名",))])
    assert matcher.foreign_share("把“学术交流”改成“科学研究”") == (0.0, ())
    assert matcher.foreign_share("把学术交流改成科学研究")[0] > 0.65


@pytest.mark.parametrize(
    ("question", "system"),
    [("无法登录人事系统", "人事系统"), ("教务系统升级了吗", "教务系统"), ("今晚系统升级吗", None), ("学校系统", None)],
)
def test_the_system_named_is_the_word_right_before_it(question: str, system: str | None) -> None:
    vocab = DomainVocabulary(("站群管理系统登录", "系统维护"), shared_tokenizer())
    assert vocab.other_system(question) == system


def test_a_quoted_system_is_still_another_system() -> None:
    matcher = Matcher([Article("workflow.set", "审核流程怎么设置", "在站点设置中配置。", keywords=("审核流程",))])
    assert matcher.foreign_share("“企业微信”的审批怎么设置") == (1.0, ("企业微信",))
    assert matcher.foreign_share("“教务系统的成绩怎么查”")[0] == 1.0


def test_english_function_words_are_not_foreign() -> None:
    share, foreign = DomainVocabulary(("忘记密码", "重置密码"), shared_tokenizer()).foreign_share("how do i 重置 my 密码")
    assert share == 0.0 and foreign == ()


@pytest.mark.parametrize(("text", "absent"), [("文章发布了但是不在列表里", "syn:审核人不在"), ("怎么进行审核", "syn:登录")])
def test_generic_phrases_do_not_trigger_a_synonym_group(text: str, absent: str) -> None:
    assert absent not in synonym_terms(text)
