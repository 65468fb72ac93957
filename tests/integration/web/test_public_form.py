"""The repair form end to end: intake, double submit, validation that keeps input, anti-spam."""

from __future__ import annotations

import re

import pytest
from aiohttp import FormData
from sqlalchemy import select

from storage.models import OutboxRow
from tests.integration.web.conftest import SITES, Desk, repair_data

pytestmark = pytest.mark.integration
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


async def submit(desk: Desk, data: dict[str, str], files: list[tuple[str, bytes]] = (),
                 **hidden: str):  # type: ignore[no-untyped-def]
    fields = {**await desk.form_fields(), **hidden}
    form = FormData()
    for key, value in {**fields, **data}.items():
        form.add_field(key, value)
    for name, payload in files:
        form.add_field("files", payload, filename=name, content_type="application/octet-stream")
    return await desk.client.post("/baoxiu", data=form, allow_redirects=False)


async def test_submit_reaches_tracking_page_and_queues_ack(desk: Desk) -> None:
    resp = await submit(desk, repair_data())
    assert resp.status == 303
    location = resp.headers["Location"]
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{20,}\?new=1", location)
    page = await (await desk.client.get(location)).text()
    assert "报修已提交" in page and "2026-0001" in page and "前响应" in page
    assert location.split("?")[0] in page
    async with desk.runtime.session_factory() as session:
        rows = (await session.execute(select(OutboxRow))).scalars().all()
    assert [(r.kind, r.channel, r.target) for r in rows] == [
        ("acknowledgement", "email", "zhang@example.edu.cn")]


async def test_double_submit_is_a_no_op(desk: Desk) -> None:
    fields = await desk.form_fields()
    first = await desk.client.post("/baoxiu", data={**fields, **repair_data()},
                                   allow_redirects=False)
    second = await desk.client.post("/baoxiu", data={**fields, **repair_data()},
                                    allow_redirects=False)
    assert first.headers["Location"] == second.headers["Location"]
    page = await desk.client.get("/api/v1/incidents",
                                 headers={"Authorization": "Bearer test-token-0123456789abcdef"})
    assert (await page.json())["total"] == 1


async def test_rejected_input_keeps_everything_typed(desk: Desk) -> None:
    data = repair_data(phone="", email="not-an-email", qq="", site="别的网站",
                       description="<script>alert(1)</script>很长的描述")
    resp = await submit(desk, data)
    html = await resp.text()
    assert resp.status == 400
    assert "邮箱格式不正确" in html and "请从列表中选择网站" in html
    assert 'value="张老师"' in html and 'value="not-an-email"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;很长的描述" in html
    assert "<script>alert(1)</script>" not in html


async def test_missing_contact_and_description(desk: Desk) -> None:
    html = await (await submit(desk, repair_data(phone="", email="", description=""))).text()
    assert "请至少填写一种联系方式" in html and "请描述遇到的问题" in html


async def test_csrf_honeypot_and_fill_time(desk: Desk) -> None:
    no_csrf = await submit(desk, repair_data(), csrf_token="forged")
    assert no_csrf.status == 403 and "页面已过期" in await no_csrf.text()
    assert "教务处网站首页打不开" in await no_csrf.text()
    bot = await submit(desk, {**repair_data(), "website": "http://spam.example"})
    assert bot.status == 400 and "隐藏的字段" in await bot.text()
    forged_stamp = await submit(desk, repair_data(), issued="1.abc")
    assert forged_stamp.status == 400 and "表单已过期" in await forged_stamp.text()


async def test_minimum_fill_time(desk: Desk) -> None:
    from bot.web.context import CTX

    ctx = desk.client.app[CTX]
    ctx.runtime.settings = ctx.runtime.settings.model_copy(update={
        "web": ctx.runtime.settings.web.model_copy(update={
            "min_fill_time": ctx.runtime.settings.web.session_lifetime})})
    resp = await submit(desk, repair_data())
    assert resp.status == 400 and "提交太快了" in await resp.text()


async def test_rate_limit(desk: Desk) -> None:
    from bot.web.context import CTX

    desk.client.app[CTX].form_limiter.limit = 1
    assert (await submit(desk, repair_data())).status == 303
    limited = await submit(desk, repair_data())
    assert limited.status == 429 and "提交过于频繁" in await limited.text()


async def test_upload_checked_stored_and_served_safely(desk: Desk) -> None:
    bad = await submit(desk, repair_data(), files=[("evil.png", b"MZ\x90\x00 not a png")])
    assert bad.status == 400 and "内容与扩展名不符" in await bad.text()
    exe = await submit(desk, repair_data(), files=[("run.exe", b"MZ")])
    assert "不支持的附件类型" in await exe.text()
    ok = await submit(desk, repair_data(), files=[("..\\..\\截图 1.png", PNG)])
    token_path = ok.headers["Location"].split("?")[0]
    page = await (await desk.client.get(token_path)).text()
    link = re.search(r'href="(%s/files/\d+/0)"' % re.escape(token_path), page)
    assert link and "截图 1.png" in page, re.findall(r"files/\d+/0\">([^<]*)<", page)
    download = await desk.client.get(link.group(1))
    assert download.status == 200 and await download.read() == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E6%88%AA%E5%9B%BE%201.png" in disposition
    other = await submit(desk, repair_data(description="另一个问题的描述内容"))
    other_path = other.headers["Location"].split("?")[0]
    message_part = link.group(1).split("/files/")[1]
    assert (await desk.client.get(f"{other_path}/files/{message_part}")).status == 404
    assert (await desk.client.get("/t/not-a-token/files/1/0")).status == 404
    assert (await desk.client.get("/static/../../bot/main.py")).status in (403, 404)


async def test_sites_come_from_configuration(desk: Desk) -> None:
    html = await (await desk.client.get("/baoxiu")).text()
    assert all(site in html for site in SITES)
    headers = (await desk.client.get("/baoxiu")).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "<script>" not in html  # no inline script: the KB helper is a static file


async def test_kb_suggestions_hidden_without_knowledge(desk: Desk) -> None:
    html = await (await desk.client.get("/baoxiu")).text()
    if getattr(desk.runtime, "knowledge", None) is None:
        assert "kb-suggestions" not in html
        data = await (await desk.client.get("/kb/suggest?q=密码忘了")).json()
        assert data == {"enabled": False, "items": []}


async def test_kb_suggestions_offered_when_knowledge_exists(desk: Desk) -> None:
    class FakeKnowledge:
        def suggest(self, text: str, limit: int) -> list[tuple[str, str]]:
            return [("忘记密码", "<b>在登录页点击“忘记密码”</b>")][:limit]

    desk.runtime.knowledge = FakeKnowledge()  # type: ignore[attr-defined]
    html = await (await desk.client.get("/baoxiu")).text()
    assert 'id="kb-suggestions"' in html and '/static/form.js' in html
    data = await (await desk.client.get("/kb/suggest?q=密码忘了怎么办")).json()
    assert data["items"] == [{"title": "忘记密码", "answer": "<b>在登录页点击“忘记密码”</b>"}]


async def test_without_a_mailbox_replies_wait_on_the_tracking_page(desk: Desk) -> None:
    desk.runtime.settings = desk.runtime.settings.model_copy(
        update={"email": desk.runtime.settings.email.model_copy(update={"imap_host": ""})})
    resp = await submit(desk, repair_data())
    assert resp.status == 303
    async with desk.runtime.session_factory() as session:
        rows = (await session.execute(select(OutboxRow))).scalars().all()
    assert rows == []  # no acknowledgement mail waiting for a channel that does not exist
    async with desk.runtime.session_factory() as session:
        from storage.models import IncidentRow
        incident = (await session.execute(select(IncidentRow))).scalar_one()
    assert (incident.reply_kind, incident.reply_target) == ("web", "form")
