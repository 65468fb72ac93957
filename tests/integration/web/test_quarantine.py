"""The console shows quarantined mail, serves it raw as a download, and reprocesses it."""

from __future__ import annotations

import pytest

from storage.mail import MailState
from storage.unit_of_work import UnitOfWork
from tests.integration.web.conftest import Desk, hidden_fields

pytestmark = pytest.mark.integration

GOOD = ("From: =?utf-8?b?5byg6ICB5biI?= <zhang@school.edu.cn>\r\nTo: desk@example.edu.cn\r\n"
        "Subject: =?utf-8?b?572R56uZ5omT5LiN5byA?= <script>\r\n"
        "Message-ID: <q1@school.edu.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "首页打不开\r\n").encode()


async def quarantine(desk: Desk, raw: bytes) -> int:
    async with UnitOfWork(desk.runtime.session_factory) as uow:
        mail, _ = await uow.mail.store(raw, mailbox="INBOX", uidvalidity=1, uid=7,
                                       message_id="q1@school.edu.cn", now=desk.runtime.clock())
        await uow.mail.set_state(mail.id, MailState.QUARANTINED, now=desk.runtime.clock(),
                                 reason="processing-failed", error="database <down>")
        await uow.commit()
    return mail.id


async def test_quarantine_list_download_and_reprocess(desk: Desk) -> None:
    mail_id = await quarantine(desk, GOOD)
    assert (await desk.client.get("/console/quarantine", allow_redirects=False)).status in (
        302, 303)
    await desk.login("li")  # an engineer may look, not reprocess
    page = await (await desk.client.get("/console/quarantine")).text()
    assert "网站打不开 &lt;script&gt;" in page and "database &lt;down&gt;" in page
    assert "/reprocess" not in page
    raw = await desk.client.get(f"/console/quarantine/{mail_id}/raw")
    assert raw.status == 200 and await raw.read() == GOOD
    assert raw.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in raw.headers["Content-Disposition"]
    await desk.login("desk")
    page = await (await desk.client.get("/console/quarantine")).text()
    resp = await desk.client.post(f"/console/quarantine/{mail_id}/reprocess",
                                  data={"csrf_token": hidden_fields(page)["csrf_token"]},
                                  allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].endswith("done=processed")
    async with UnitOfWork(desk.runtime.session_factory) as uow:
        mail = await uow.mail.get(mail_id)
        incident = await uow.incidents.by_number("2026-0001")
    assert mail.state is MailState.PROCESSED and incident.title == "网站打不开 <script>"
    assert "没有隔离的邮件" in await (await desk.client.get("/console/quarantine")).text()
