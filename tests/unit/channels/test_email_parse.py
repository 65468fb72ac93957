"""parse_email over every fixture in tests/fixtures/email: exact subjects, names, new text, attachments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.channels.email_parse import MailParseError, ParsedEmail, parse_email

Loader = Callable[[str], bytes]

QQ_REPLY = ("回复：[INC-2026-0042] 网站无法访问", "王芳", "12345678@qq.com", "已经可以正常访问了，谢谢！")

# fixture -> (subject, from_name, from_address, new_text)
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    "plain__gbk_labelled_utf8": (
        "王喆的账号问题", "王喆", "wangzhe@xxgk.example.edu.cn",
        "老师您好：\n\n信息公开网站后台登录提示账号已锁定，账号是王喆。\n麻烦帮忙解锁，谢谢！"),
    "plain__gbk_no_charset": (
        "教务处网站首页图片不显示", "李娜", "lina@jwc.example.edu.cn",
        "您好，教务处网站首页轮播图片今天早上开始不显示，请尽快处理。"),
    "plain__utf8_labelled_gb2312": (
        "图书馆检索页面502", "赵敏", "zhaomin@lib.example.edu.cn",
        "老师好，图书馆网站的检索页面打不开，显示 502 错误。"),
    "plain__x_gbk_label": (
        "研究生院网站证书过期", "孙浩", "sunhao@yjs.example.edu.cn",
        "浏览器提示研究生院网站证书已过期，访问不安全。"),
    "plain__big5_labelled": ("網站無法登入", "陳大文", "chen@example.edu.hk", "您好，網站後台無法登入。"),
    "attachment__rfc2047_in_quotes": (
        "报修单附件", "周杰", "zhoujie@xsc.example.edu.cn", "附件是学生处网站的报修单，请查收。"),
    "attachment__rfc2231": ("网站改版需求", "Chen Jing", "chenjing@hq.example.edu.cn", "需求说明和截图见附件。"),
    "attachment__raw_8bit": ("两个附件", "", "zhangwei@xxb.example.edu.cn", "见附件。"),
    "attachment__unsafe_and_inline": ("attachments", "Li Lei", "lilei@example.edu.cn", "截图如下："),
    "html__only_gbk_meta": (
        "科研处网站无法发布文章", "刘洋", "liuyang@kyc.example.edu.cn",
        "老师您好：\n\n科研处网站的通知公告栏目无法发布新文章，步骤如下：\n1. 登录后台\n2. 点击“发布”\n"
        "后台地址：后台 (https://kyc.example.edu.cn/admin) 谢谢！"),
    "alternative__plain_placeholder": (
        "专题网站字体乱码", "Wu Fan", "wufan@example.edu.cn", "专题网站的标题出现乱码。\n网址：https://zt.example.edu.cn"),
    "alternative__plain_and_html": (
        "Website down", "Ma Li", "mali@example.edu.cn", "The college website returns 404 since this morning."),
    "reply__qq_mail": QQ_REPLY,
    "reply__qq_html_only": QQ_REPLY,
    "reply__foxmail": (
        "回复: [INC-2026-0043] 宣传部网站改版", "赵磊", "zhaolei@xcb.example.edu.cn",
        "好的，下午有人在办公室。\n\nzhaolei@xcb.example.edu.cn"),
    "reply__netease_163": (
        "Re:[INC-2026-0044]新闻稿发布", "陈晨", "chenchen_edu@163.com", "收到，明天上午九点前会把新闻稿发过来。"),
    "reply__coremail": (
        "Re: 数据库恢复", "一线工程师", "engineer1@sitedesk.example.cn",
        "周老师：\n  数据库备份已经恢复，请再检查一下。"),
    "reply__outlook_zh": (
        "答复: [INC-2026-0045] 栏目名称修改", "孙丽", "sunli@dwb.example.edu.cn",
        "你好：\n\n已经按要求修改了栏目名称，麻烦帮忙发布。\n\n孙丽\n党委办公室"),
    "reply__outlook_zh_legacy": ("答复: 巡检报告", "郑华", "zhenghua@example.edu.cn", "收到，谢谢！"),
    "reply__outlook_web_html_only": (
        "RE: [INC-2026-0049] Confirm", "Liang Qi", "liangqi@example.edu.cn", "已处理，谢谢。"),
    "reply__gmail_zh": (
        "Re: [INC-2026-0046] 账号开通", "何静", "hejing.edu@gmail.com", "好的，我周三前把账号列表发给你们。"),
    "reply__iphone": ("回复：[INC-2026-0047] 网站恢复", "冯伟", "fengwei@example.edu.cn", "好的，已经看到了"),
    "reply__english_signature": (
        "Re: [INC-2026-0048] Cache", "Jane Smith", "jane.smith@sfl.example.edu.cn", "Thanks, that fixed it."),
    "reply__only_quoted": (
        "Re: test", "Gao Yan", "gaoyan@example.edu.cn", "> 高老师您好，测试邮件。\n> \n> 网站群服务台"),
    "bounce__dsn_rfc822": (
        "Undelivered Mail Returned to Sender", "Mail Delivery System", "mailer-daemon@mx.example.edu.cn",
        "This is the mail system at host mx.example.edu.cn.\n\nI'm sorry to have to inform you that your "
        "message could not\nbe delivered to one or more recipients.\n\n<nobody@example.edu.cn>: host "
        "127.0.0.1[private/dovecot-lmtp] said: 550 5.1.1\n    User doesn't exist"),
    "bounce__dsn_headers_only": (
        "Undeliverable: [INC-2026-0042]", "", "postmaster@exchange.example.edu.cn",
        "无法将邮件传递给以下收件人: nobody@example.edu.cn"),
    "bounce__qq_plain_chinese": (
        "系统退信", "系统管理员", "postmaster@qq.com",
        "很抱歉您的邮件没能成功发送给以下联系人：999999999@qq.com\n退信原因：收件人不存在\n\n原邮件信息：\n"
        "Message-ID: <svc.42.11.z9.cafebabe@sitedesk.example.cn>"),
    "receipt__mdn": (
        "已读: [INC-2026-0042] 报修反馈单", "李娜", "lina@jwc.example.edu.cn",
        "这是邮件的回执：您发送的邮件已于 2026-12-01 09:00 被阅读。"),
    "autoreply__out_of_office_zh": (
        "自动回复: [INC-2026-0042] 报修反馈单", "吴老师", "wu@example.edu.cn",
        "我正在休假，12月7日返回，急事请联系办公室。"),
    "autoreply__exchange_en": (
        "Automatic reply: [INC-2026-0050] Account request", "Tom Lee", "tom.lee@example.edu.cn",
        "I am out of the office until Monday."),
    "autoreply__subject_only": ("【自动回复】网站迁移", "孔莉", "kongli@example.edu.cn", "您的来信已收到。"),
    "list__mailing_list": ("关于周末网络维护的通知", "网络中心", "nic@example.edu.cn", "本周六凌晨网络维护。"),
    "automated__noreply_sender": ("待办事项提醒", "OA系统", "noreply@oa.example.edu.cn", "您有 1 条待办事项。"),
    "loop__own_mail": ("[INC-2026-0042]", "网站群服务台", "service@sitedesk.example.cn", "您好，您的报修已受理。"),
    "tag__subject_variants": (
        "回复：［INC－2026－0042］网站无法访问 [SD#2026-0051] [INC-2026-0042]", "李娜", "lina@jwc.example.edu.cn",
        "还是不行。"),
    "broken__bad_headers_and_base64": (
        "数据库备份报 =?utf-8?B?5L2g5aW9?", "张三你", "zhang@example.edu.cn", "数据库备份失败"),
    "broken__no_boundary_gbk": ("网站打不开", "钱坤", "qiankun@example.edu.cn", "网站打不开了，请尽快处理。"),
}

ATTACHMENTS: dict[str, list[str]] = {
    "attachment__rfc2047_in_quotes": ["学生处网站报修单.docx"],
    "attachment__rfc2231": ["网站改版需求说明.pdf", "宿舍网络故障截图.png"],
    "attachment__raw_8bit": ["网站栏目清单.xls", "账号申请表.doc"],
    "attachment__unsafe_and_inline": ["image001.png", "报修log.txt", "site-backup.zip", "attachment-4.bin"],
    "bounce__dsn_rfc822": ["[INC-2026-0042].eml"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_decodes_exactly(name: str, load_eml: Loader) -> None:
    parsed = parse_email(load_eml(name), max_attachment_bytes=2000)
    subject, from_name, from_address, new_text = EXPECTED[name]
    assert parsed.subject == subject
    assert parsed.from_name == from_name
    assert parsed.from_address == from_address
    assert parsed.new_text == new_text
    assert [a.safe_name for a in parsed.attachments] == ATTACHMENTS.get(name, [])
    assert "\ufffd" not in parsed.subject + parsed.from_name + parsed.full_text
    assert parsed.date is None or parsed.date.tzinfo is UTC


def test_full_text_keeps_quoted_history(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("reply__outlook_zh"))
    assert parsed.new_text != parsed.full_text
    assert "孙老师您好，请确认修改内容。" in parsed.full_text
    assert parsed.html is not None and "divRplyFwdMsg" in parsed.html


def test_headers_ids_and_recipients(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("alternative__plain_and_html"))
    assert parsed.message_id == "alt.2@example.edu.cn"
    assert parsed.to == (("Service Desk", "service@sitedesk.example.cn"), ("", "ops@sitedesk.example.cn"))
    assert parsed.cc == (("张三", "zhangsan@example.edu.cn"),)
    assert parsed.reply_to == (("", "mali.office@example.edu.cn"),)
    assert parsed.date == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert parsed.html == "<div>The college website returns <b>404</b> since this morning.</div>\n"


def test_threading_headers_are_lenient(load_eml: Loader) -> None:
    reply = parse_email(load_eml("reply__qq_mail"))
    assert reply.in_reply_to == "svc.42.7.x1y2.ab12cd34@sitedesk.example.cn"
    assert reply.references == ("first.1@example.edu.cn", "svc.42.7.x1y2.ab12cd34@sitedesk.example.cn")
    odd = parse_email(load_eml("tag__subject_variants"))
    assert odd.in_reply_to == "svc.42.7.x1y2.ab12cd34@sitedesk.example.cn"
    assert odd.references == ("a.1@x", "b.2@y", "c.3@z")


def test_incident_tags_default_pattern(load_eml: Loader) -> None:
    assert parse_email(load_eml("tag__subject_variants")).incident_tags == ("2026-0042", "2026-0051")
    assert parse_email(load_eml("reply__netease_163")).incident_tags == ("2026-0044",)
    assert parse_email(load_eml("plain__gbk_no_charset")).incident_tags == ()


def test_incident_tags_custom_pattern(load_eml: Loader) -> None:
    import re

    parsed = parse_email(load_eml("tag__subject_variants"), tag_pattern=re.compile(r"\[SD#\d{4}-\d{4}\]"))
    assert parsed.incident_tags == ("[SD#2026-0051]",)


def test_attachment_metadata(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("attachment__unsafe_and_inline"), max_attachment_bytes=2000)
    inline, unsafe, big, nameless = parsed.attachments
    assert (inline.inline, inline.content_id, inline.content_type) == (True, "img001@example", "image/png")
    assert inline.data.startswith(b"\x89PNG")
    assert unsafe.filename == "..\\..\\Windows\\System32\\.报修\tlog.txt"
    assert (unsafe.inline, unsafe.data) == (False, b"log line\n")
    assert (big.too_large, big.size, big.data) == (True, 3000, b"")
    assert nameless.filename is None
    assert any("over the limit" in warning for warning in parsed.warnings)


def test_default_limit_keeps_data(load_eml: Loader) -> None:
    big = parse_email(load_eml("attachment__unsafe_and_inline")).attachments[2]
    assert (big.too_large, len(big.data)) == (False, 3000)


def test_rfc2231_and_2047_filenames(load_eml: Loader) -> None:
    names = [a.filename for a in parse_email(load_eml("attachment__rfc2231")).attachments]
    assert names == ["网站改版需求说明.pdf", "宿舍网络故障截图.png"]
    docx = parse_email(load_eml("attachment__rfc2047_in_quotes")).attachments[0]
    assert docx.filename == "学生处网站报修单.docx"
    assert docx.data == b"PK\x03\x04fake-docx-content" * 4


def test_warnings_record_fallbacks(load_eml: Loader) -> None:
    assert parse_email(load_eml("plain__gbk_labelled_utf8")).warnings == (
        "body text/plain: declared 'utf-8' but decoded as gb18030",)
    assert parse_email(load_eml("plain__utf8_labelled_gb2312")).warnings == (
        "body text/plain: declared 'gb2312' but decoded as utf-8",)
    broken = parse_email(load_eml("broken__bad_headers_and_base64"))
    assert any(w.startswith("date:") for w in broken.warnings)
    assert broken.date == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # China time assumed for loose dates
    assert broken.message_id == "broken.1@example.edu.cn"


def test_parsed_email_is_frozen(load_eml: Loader) -> None:
    parsed = parse_email(load_eml("reply__iphone"))
    assert isinstance(parsed, ParsedEmail)
    with pytest.raises(AttributeError):
        parsed.subject = "x"  # type: ignore[misc]


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n", b"just some words without any header\r\n"])
def test_unusable_input_raises(raw: bytes) -> None:
    with pytest.raises(MailParseError):
        parse_email(raw)


def test_headers_only_mail_parses() -> None:
    parsed = parse_email(b"Subject: hi\r\nFrom: a@b.cn\r\n")
    assert (parsed.subject, parsed.from_address, parsed.new_text, parsed.full_text) == ("hi", "a@b.cn", "", "")


def test_every_fixture_has_an_expectation() -> None:
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "email"
    assert sorted(p.stem for p in fixtures.glob("*.eml")) == sorted(EXPECTED)
