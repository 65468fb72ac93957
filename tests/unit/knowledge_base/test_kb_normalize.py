"""Normalisation of QQ and mail text."""

from __future__ import annotations

import pytest

from knowledge_base.normalize import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[CQ:at,qq=123456] 老师好，请问站群后台的登录入口在哪？", "站群后台的登录入口在哪"),
        ("@王老师 轮播图怎么换", "轮播图怎么换"),
        ("ＨＴＴＰＳ证书过期了", "https证书过期了"),
        ("帳號被鎖定了怎麼辦", "账号被锁定了怎么办"),
        ("附件打不开😭😭", "附件打不开"),
        ("/微笑 文章被退回来了，谢谢老师！", "文章被退回来了"),
        ("Word 粘贴后格式乱了", "word 粘贴后格式乱了"),
        ("网站无法访问，提示502", "网站无法访问 提示502"),
        ("见 https://www.example.edu.cn/a?b=1 打不开", "见 打不开"),
        ("首页飘窗怎么关\n\n-----原始邮件-----\n发件人: a@b.cn\n以前的内容", "首页飘窗怎么关"),
        ("> 引用的旧邮件\n新闻能定时发布吗", "新闻能定时发布"),
    ],
)
def test_normalize_text_cleans_chat_and_mail_noise(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("greeting", ["在吗", "你好", "老师好", "[图片]", "[CQ:face,id=14]", "谢谢老师！", "@张三 ", "😀", ""])
def test_greetings_and_placeholders_normalise_to_empty(greeting: str) -> None:
    assert normalize_text(greeting) == ""


def test_filler_removal_keeps_words_that_contain_filler_characters() -> None:
    assert normalize_text("网站无法访问，问题在哪") == "网站无法访问 问题在哪"
    assert normalize_text("新来的老师要开账号") == "新来的老师要开账号"


@pytest.mark.parametrize(
    ("question", "absent", "present"),
    [
        ("能不能设置定时发布", "不能", "设置"),
        ("为啥我只能看到两个栏目", "为啥", "栏目"),
        ("是不是要审核", "不是", "审核"),
    ],
)
def test_intent_phrases_are_not_content_words(question: str, absent: str, present: str) -> None:
    from knowledge_base.tokenizer import shared_tokenizer, strip_intent

    words = shared_tokenizer().words(question)
    assert absent not in words and present in words
    assert "能不能" not in strip_intent(question)


def test_content_negation_survives_intent_stripping() -> None:
    from knowledge_base.tokenizer import shared_tokenizer

    assert "不能编辑" in shared_tokenizer().words("栏目不能编辑")
