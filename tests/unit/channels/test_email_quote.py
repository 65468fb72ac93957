"""Quote-history and signature stripping for Chinese and English client layouts (notes/email.md §4.4)."""

from __future__ import annotations

import pytest

from bot.channels.email_html import find_meta_charset, html_to_text
from bot.channels.email_quote import strip_quotes

NEW = "网站已经恢复，谢谢。"


@pytest.mark.parametrize("history", [
    "------------------ 原始邮件 ------------------\n发件人: \"服务台\"<s@x.cn>;\n"
    "发送时间: 2026年11月20日(星期五) 上午10:00",
    "------------------&nbsp;原始邮件&nbsp;------------------\n发件人:&nbsp;\"服务台\"<s@x.cn&gt;;",
    "------------------ Original ------------------\nFrom: \"Desk\"<s@x.cn>;\nDate: Fri, Nov 20, 2026 10:00 AM",
    "-----原始邮件-----\n发件人: \"x\" <a@b.cn>\n发送时间: 2026-11-20 10:00:00 (星期五)",
    "-----Original Message-----\nFrom: Desk\nSent: Friday",
    "_" * 32 + "\n发件人: 服务台 <s@x.cn>\n发送时间: 2026年11月20日 10:00",
    "发件人：服务台 <s@x.cn>\n发送时间：2026年11月20日 10:00\n收件人：张三\n主题：网站",
    "From: Desk <s@x.cn>\nSent: Friday, November 20, 2026 10:00 AM\nTo: Zhang",
    "在 2026-11-20 10:00:00，\"张三\" <a@b.cn> 写道：\n> 原文",
    "At 2026-11-20 10:00:00, \"张三\" <a@b.cn> wrote:\n> old",
    "张三 <a@b.cn> 于2026年11月20日周五 10:00写道：\n\n> 原文",
    "在 2026年11月20日，10:00，张三 <a@b.cn> 写道：\n\n> 原文",
    "> 在 2026年11月20日，10:00，张三 <a@b.cn> 写道：\n> 原文",
    "在 2026/11/20 10:00, 张三 写道:\n> 原文",
    "On Fri, Nov 20, 2026 at 10:00 AM Zhang San <a@b.cn>\nwrote:\n> old",
    "On Fri, Nov 20, 2026 at 10:00 AM Zhang San <a@b.cn> wrote:\n> old",
    "发自我的iPhone\n\n> 在 2026年11月20日，10:00，张三 写道：",
    "Sent from my iPhone",
    "Get Outlook for Android",
    "-- \n张三\n信息中心",
    "> 原文第一行\n>\n> 原文第二行",
])
def test_history_is_cut(history: str) -> None:
    assert strip_quotes(f"{NEW}\n\n{history}\n") == NEW


def test_full_width_spaces_and_colons() -> None:
    text = f"{NEW}\n\n\u3000发件人\uff1a 服务台\n\u3000发送时间\uff1a 2026-11-20 10:00\n"
    assert strip_quotes(text) == NEW


@pytest.mark.parametrize("text", [
    "老师在通知里写道：请于周五前提交。",
    "在会议上我们写道：先备份再升级。",
    "From: the attached log you can see the error.",
    "步骤：\n1. 登录\n2. 发布",
])
def test_ordinary_text_is_kept(text: str) -> None:
    assert strip_quotes(text) == text


def test_interleaved_quotes_are_kept_but_trailing_run_is_cut() -> None:
    text = "> 问题一？\n回答一。\n> 问题二？\n回答二。\n\n> 旧内容\n> 旧内容"
    assert strip_quotes(text) == "> 问题一？\n回答一。\n> 问题二？\n回答二。"


def test_only_quoted_falls_back_to_full_text() -> None:
    text = "> 只有引用\n> 没有新内容\n"
    assert strip_quotes(text) == text.strip()
    assert strip_quotes("-----原始邮件-----\n发件人: a") == "-----原始邮件-----\n发件人: a"


@pytest.mark.parametrize("html", [
    '<div>{new}</div><blockquote id="isReplyContent">原文</blockquote>',
    '<div>{new}</div><div id="isForwardContent">原文</div>',
    '<div>{new}</div><div class="gmail_quote"><div class="gmail_attr">x 写道：</div>原文</div>',
    '<div>{new}</div><blockquote type="cite">原文</blockquote>',
    '<div>{new}</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">发件人: x</div>原文',
    '<div>{new}</div><div id="origbody">原文</div>',
    '<div>{new}</div><hr color="#b5c4df" size="1"><div>zhang@x.cn</div>',
    '<div>{new}</div><div class="moz-cite-prefix">在 2026/11/20 10:00, 张三 写道:</div>',
    '<div>{new}</div><div id="reply139content">原文</div>',
    '<div>{new}</div><div id="divNeteaseMailCard"><span>签名卡</span></div>',
])
def test_html_quote_containers_are_cut(html: str) -> None:
    assert html_to_text(html.format(new=NEW), cut_quotes=True) == NEW


def test_html_to_text_layout() -> None:
    html = (
        "<html><head><title>t</title><style>p{}</style><script>x()</script></head><body>"
        "<p>打印机<b>无法</b>连接&nbsp;&gt;</p><div>第二行<br>第三行</div>"
        "<ul><li>一</li><li>二</li></ul><ol><li>甲</li><li>乙</li></ol>"
        '<a href="https://x.cn/a">链接</a> <a href="https://y.cn">https://y.cn</a> '
        '<a href="mailto:s@x.cn">s@x.cn</a><table><tr><td>a</td><td>b</td></tr></table></body></html>')
    assert html_to_text(html) == (
        "打印机无法连接 >\n第二行\n第三行\n- 一\n- 二\n1. 甲\n2. 乙\n"
        "链接 (https://x.cn/a) https://y.cn s@x.cn\na b")


def test_html_pre_keeps_whitespace_and_broken_html_does_not_raise() -> None:
    assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"
    assert html_to_text("<div><p>未闭合 <b>标签 &unknown; <a href='x'>") == "未闭合 标签 &unknown;"
    assert html_to_text("") == ""


def test_find_meta_charset() -> None:
    assert find_meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">') == "gb2312"
    assert find_meta_charset(b'<meta charset="utf-8">') == "utf-8"
    assert find_meta_charset(b"<p>none</p>") is None
