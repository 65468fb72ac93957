"""The staff console: login, lockout, roles, the ledger, incident actions and the tools."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.integration.web.conftest import PASSWORD, Desk, hidden_fields, repair_data

pytestmark = pytest.mark.integration


async def report(desk: Desk, **overrides: str) -> str:
    """Submit the public form; returns the tracking path."""
    fields = await desk.form_fields()
    resp = await desk.client.post("/baoxiu", data={**fields, **repair_data(**overrides)},
                                  allow_redirects=False)
    return resp.headers["Location"].split("?")[0]


async def act(desk: Desk, number: str, verb: str, **params: str):  # type: ignore[no-untyped-def]
    page = await (await desk.client.get(f"/console/incidents/{number}")).text()
    token = hidden_fields(page)["csrf_token"]
    return await desk.client.post(f"/console/incidents/{number}/{verb}",
                                  data={"csrf_token": token, **params}, allow_redirects=False)


async def test_console_requires_login_and_session_cookie_is_strict(desk: Desk) -> None:
    resp = await desk.client.get("/console", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    login = await desk.login()
    assert login.status == 303 and login.headers["Location"] == "/console"
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "客服台帐" in await (await desk.client.get("/console")).text()
    logout_token = hidden_fields(await (await desk.client.get("/console")).text())["csrf_token"]
    await desk.client.post("/logout", data={"csrf_token": logout_token})
    assert (await desk.client.get("/console", allow_redirects=False)).status == 303


async def test_wrong_password_and_lockout(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        resp = await desk.login(password="wrong-password")
        assert resp.status == 400 and "用户名或密码不正确" in await resp.text()
    locked = await desk.login(password="wrong-password")
    assert "账号已锁定" in await locked.text()
    assert "账号已锁定" in await (await desk.login()).text()  # even the right password
    clock.advance(timedelta(minutes=16))
    assert (await desk.login()).status == 303
    unknown = await desk.login(username="nobody")
    assert "用户名或密码不正确" in await unknown.text()


async def test_login_without_csrf_token_is_refused(desk: Desk) -> None:
    resp = await desk.client.post("/login", data={"username": "desk", "password": PASSWORD})
    assert resp.status == 400 and "页面已过期" in await resp.text()


async def test_take_resolve_and_requester_confirms(desk: Desk) -> None:
    track = await report(desk)
    await desk.login("li")
    ledger = await (await desk.client.get("/console?q=首页打不开")).text()
    assert "2026-0001" in ledger
    assert (await act(desk, "2026-0001", "take")).status == 303
    assert (await act(desk, "2026-0001", "resolve", note="已重启服务")).status == 303
    page = await (await desk.client.get("/console/incidents/2026-0001")).text()
    assert "已解决待确认" in page and "已重启服务" in page
    track_page = await (await desk.client.get(track)).text()
    assert "已解决，确认" in track_page
    confirm = await desk.client.post(f"{track}/confirm",
                                     data={"csrf_token": hidden_fields(track_page)["csrf_token"]},
                                     allow_redirects=False)
    assert confirm.status == 303
    assert "已关闭" in await (await desk.client.get(track)).text()


async def test_refused_action_keeps_typed_text_and_roles_apply(desk: Desk) -> None:
    await report(desk)
    await desk.login("li")
    resp = await act(desk, "2026-0001", "set_plan", due_at="2000-01-01T10:00", plan="我的方案文字")
    html = await resp.text()
    assert resp.status == 400 and "计划完成时间必须晚于现在" in html and "我的方案文字" in html
    forbidden = await act(desk, "2026-0001", "assign", assignee="desk")
    assert forbidden.status == 400 and "没有权限" in await forbidden.text()
    assert (await desk.client.get("/console/phone")).status == 403
    token = hidden_fields(await (await desk.client.get("/console")).text())["csrf_token"]
    no_csrf = await desk.client.post("/console/incidents/2026-0001/take", data={})
    assert no_csrf.status == 403
    assert token


async def test_ledger_filters_overdue_paging_and_search(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    for i in range(27):
        await report(desk, description=f"第 {i} 个问题的描述")
    await desk.login()
    await act(desk, "2026-0003", "set_severity", severity="l1")
    clock.advance(timedelta(hours=1))
    page = await (await desk.client.get("/console")).text()
    assert "第 1 / 2 页" in page and "已超时" in page
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "2026-0003" in first_row  # the L1 incident is due (and overdue) first
    overdue = await (await desk.client.get("/console?overdue=1")).text()
    assert "共 1 条" in overdue
    assert "共 1 条" in await (await desk.client.get("/console?severity=l1")).text()
    assert "共 27 条" in await (await desk.client.get("/console?channel=web&category=fault")).text()
    assert "共 0 条" in await (await desk.client.get("/console?owner=me")).text()
    second = await (await desk.client.get("/console?page=2")).text()
    assert "第 2 / 2 页" in second
    jump = await desk.client.get("/console?q=2026-0007", allow_redirects=False)
    assert jump.headers["Location"] == "/console/incidents/2026-0007"
    assert "共 1 条" in await (await desk.client.get("/console?q=第 12 个")).text()


async def test_phone_intake_and_xss_is_inert(desk: Desk) -> None:
    await desk.login()
    fields = hidden_fields(await (await desk.client.get("/console/phone")).text())
    missing = await desk.client.post("/console/phone", data={**fields, **repair_data(phone="")})
    assert missing.status == 400 and "电话报修请填写来电号码" in await missing.text()
    hostile = "<img src=x onerror=alert(1)><script>alert(1)</script>"
    resp = await desk.client.post("/console/phone", data={
        **fields, **repair_data(name="<b>王</b>", description=f"电话说 {hostile}"),
        "severity": "l2"}, allow_redirects=False)
    assert resp.headers["Location"].startswith("/console/incidents/2026-0001")
    page = await (await desk.client.get("/console/incidents/2026-0001")).text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "&lt;b&gt;王&lt;/b&gt;" in page and "L2" in page and "电话" in page


async def test_phone_intake_without_email(desk: Desk) -> None:
    await desk.login()
    fields = hidden_fields(await (await desk.client.get("/console/phone")).text())
    resp = await desk.client.post("/console/phone", data={**fields, **repair_data(email="")},
                                  allow_redirects=False)
    assert resp.status == 303
    page = await (await desk.client.get(resp.headers["Location"])).text()
    assert "电话" in page and "phone: 057188881234" in page


async def test_dead_letters_and_retry(desk: Desk) -> None:
    await report(desk)
    async with desk.runtime.session_factory() as session:
        from sqlalchemy import update

        from storage.models import OutboxRow

        await session.execute(update(OutboxRow).values(state="dead", last_error="550 <b>no</b>"))
        await session.commit()
    await desk.login()
    page = await (await desk.client.get("/console/dead-letters")).text()
    assert "550 &lt;b&gt;no&lt;/b&gt;" in page and "重试" in page
    token = hidden_fields(page)["csrf_token"]
    resp = await desk.client.post("/console/dead-letters/1/retry", data={"csrf_token": token},
                                  allow_redirects=False)
    assert resp.status == 303
    assert "没有投递失败的通知" in await (await desk.client.get("/console/dead-letters")).text()


async def test_link_and_merge_contacts(desk: Desk) -> None:
    await report(desk, email="", phone="13800000001", name="王老师")
    await report(desk, email="wang@example.edu.cn", phone="", name="王老师")
    await desk.login()
    page = await (await desk.client.get("/console/contacts?q=王老师")).text()
    assert page.count("王老师") >= 2
    token = hidden_fields(page)["csrf_token"]
    taken = await desk.client.post("/console/contacts/1/link", data={
        "csrf_token": token, "kind": "email", "value": "wang@example.edu.cn"})
    assert taken.status == 400 and "请使用合并" in await taken.text()
    ok = await desk.client.post("/console/contacts/1/link", data={
        "csrf_token": token, "kind": "qq", "value": "123456"}, allow_redirects=False)
    assert ok.status == 303
    merged = await desk.client.post("/console/contacts/merge", data={
        "csrf_token": token, "keep_id": "1", "drop_id": "2"}, allow_redirects=False)
    assert merged.status == 303
    after = await (await desk.client.get("/console/contacts?q=王老师")).text()
    assert "wang@example.edu.cn" in after and "13800000001" in after and "qq: 123456" in after
