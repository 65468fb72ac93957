"""Console 知识库 pages: misses, article list, edit → reload → answer, drafts from incidents,
and the repair form's suggestions marked fault_reported when a report follows."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from config.settings import KnowledgeSettings
from storage.models import KbQueryRow
from storage.unit_of_work import UnitOfWork
from tests.integration.web.conftest import (
    STAFF,
    Desk,
    hidden_fields,
    repair_data,
    running_desk,
    web_settings,
)
from tests.integration.web.test_console import act, report

pytestmark = pytest.mark.integration

ARTICLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "articles"
NEW_QUESTION = "怎么给文章页加个二维码"


@pytest.fixture
async def kb_desk(database_url: str, engine: Any, tmp_path: Path, clock: Any
                  ) -> AsyncIterator[Desk]:
    """A desk whose knowledge base is a copy of the shipped articles in ``tmp_path``."""
    articles = tmp_path / "articles"
    shutil.copytree(ARTICLES, articles)
    settings = web_settings(tmp_path / "data", database_url)
    settings = settings.model_copy(update={"knowledge": KnowledgeSettings(articles_dir=articles)})
    async with running_desk(settings, clock, STAFF[:2]) as desk:
        assert desk.runtime.knowledge is not None
        yield desk


def articles_dir(desk: Desk) -> Path:
    assert desk.runtime.knowledge is not None
    return Path(desk.runtime.knowledge.kb.path)


def article_form(**overrides: str) -> dict[str, str]:
    data = {"article_id": "site.qrcode", "title": "网站页面的二维码怎么生成",
            "category": "网站", "status": "published",
            "keywords": "二维码\n页面二维码\n扫码访问", "synonyms": "QR码, 扫一扫",
            "questions": "怎么给文章页加个二维码\n手机扫码打开网页的码在哪生成",
            "answer": "在文章编辑页右侧点“生成二维码”，下载图片即可。"}
    data.update(overrides)
    return data


async def post_form(desk: Desk, page: str, action: str, data: dict[str, str]) -> Any:
    token = hidden_fields(await (await desk.client.get(page)).text())["csrf_token"]
    return await desk.client.post(action, data={"csrf_token": token, **data},
                                  allow_redirects=False)


async def test_pages_need_login_and_roles(kb_desk: Desk) -> None:
    resp = await kb_desk.client.get("/console/kb", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    await kb_desk.login("li")  # an engineer: may look, may not edit
    assert "知识库文章" in await (await kb_desk.client.get("/console/kb/articles")).text()
    assert (await kb_desk.client.get("/console/kb/articles/new")).status == 403
    page = await (await kb_desk.client.get("/console/kb/articles/acct.sign_in")).text()
    assert "保存并生效" not in page and "disabled" in page
    refused = await post_form(kb_desk, "/console/kb", "/console/kb/articles/acct.sign_in",
                              article_form(title="被改掉的标题"))
    assert refused.status == 403
    assert "被改掉的标题" not in (articles_dir(kb_desk) / "account.yaml").read_text("utf-8")


async def test_misses_list_shows_reason_and_candidate(kb_desk: Desk) -> None:
    knowledge = kb_desk.runtime.knowledge
    assert knowledge is not None
    miss = await knowledge.answer("食堂今天中午吃什么<b>", channel="qq")
    hit = await knowledge.answer("首页的飘窗怎么关掉", channel="qq")
    await kb_desk.login()
    page = await (await kb_desk.client.get("/console/kb")).text()
    assert "食堂今天中午吃什么&lt;b&gt;" in page and "<b>" not in page  # escaped
    assert "无匹配" in page and (miss.reason or "") in page
    assert "首页的飘窗怎么关掉" not in page  # answered, nothing reported: not a miss
    assert hit.decision == "answer"


async def test_article_list_search(kb_desk: Desk) -> None:
    await kb_desk.login()
    page = await (await kb_desk.client.get("/console/kb/articles?q=飘窗")).text()
    assert "飘窗" in page and "acct.sign_in" not in page
    everything = await (await kb_desk.client.get("/console/kb/articles")).text()
    assert "acct.sign_in" in everything


async def test_create_reloads_and_the_matcher_answers(kb_desk: Desk) -> None:
    knowledge = kb_desk.runtime.knowledge
    assert knowledge is not None
    before = await knowledge.answer(NEW_QUESTION, channel="qq")
    assert before.title != "网站页面的二维码怎么生成"
    await kb_desk.login()
    resp = await post_form(kb_desk, "/console/kb/articles/new", "/console/kb/articles/new",
                           article_form())
    assert resp.status == 303
    assert resp.headers["Location"] == "/console/kb/articles/site.qrcode?done=saved"
    saved = yaml.safe_load((articles_dir(kb_desk) / "console.yaml").read_text("utf-8"))
    assert saved[0]["id"] == "site.qrcode" and saved[0]["synonyms"] == ["QR码", "扫一扫"]
    after = await knowledge.answer(NEW_QUESTION, channel="qq")
    assert after.decision == "answer" and after.title == "网站页面的二维码怎么生成"
    assert not list(articles_dir(kb_desk).glob("*.tmp"))


async def test_edit_existing_keeps_header_and_takes_effect(kb_desk: Desk) -> None:
    knowledge = kb_desk.runtime.knowledge
    assert knowledge is not None
    await kb_desk.login()
    page = await (await kb_desk.client.get("/console/kb/articles/acct.sign_in")).text()
    assert "网站群后台从哪里进入" in page and "account.yaml" in page
    resp = await post_form(kb_desk, "/console/kb", "/console/kb/articles/acct.sign_in",
                           article_form(article_id="ignored", title="网站群后台从哪里进入",
                                        answer="新版入口：信息门户—应用中心—网站群管理。"))
    assert resp.status == 303
    text = (articles_dir(kb_desk) / "account.yaml").read_text("utf-8")
    assert text.startswith("# 账号与登录") and "新版入口" in text and "acct.password_reset" in text
    answer = await knowledge.answer("网站群后台从哪里进入", channel="qq")
    assert answer.answer_text and "新版入口" in answer.answer_text


async def test_bad_article_keeps_input_and_never_replaces_the_file(kb_desk: Desk) -> None:
    account = articles_dir(kb_desk) / "account.yaml"
    original = account.read_bytes()
    await kb_desk.login()
    resp = await post_form(kb_desk, "/console/kb", "/console/kb/articles/acct.sign_in",
                           article_form(title="", answer="我写了很长的答案"))
    page = await resp.text()
    assert resp.status == 400 and "请填写标题" in page and "我写了很长的答案" in page
    assert account.read_bytes() == original
    clash = await post_form(kb_desk, "/console/kb/articles/new", "/console/kb/articles/new",
                            article_form(article_id="acct.password_reset"))
    assert clash.status == 400 and "已被文件 account.yaml" in await clash.text()
    bad_id = await post_form(kb_desk, "/console/kb/articles/new", "/console/kb/articles/new",
                             article_form(article_id="../evil"))
    assert bad_id.status == 400 and "编号只能由" in await bad_id.text()
    assert not (articles_dir(kb_desk) / "console.yaml").exists()


async def test_missing_csrf_keeps_what_was_typed(kb_desk: Desk) -> None:
    await kb_desk.login()
    resp = await kb_desk.client.post("/console/kb/articles/new", data=article_form(
        answer="没有令牌的答案"), allow_redirects=False)
    page = await resp.text()
    assert resp.status == 400 and "页面已过期" in page and "没有令牌的答案" in page
    assert not (articles_dir(kb_desk) / "console.yaml").exists()


async def test_resolved_incident_becomes_a_draft_then_is_published(kb_desk: Desk) -> None:
    knowledge = kb_desk.runtime.knowledge
    assert knowledge is not None
    await report(kb_desk, description="学院网站的栏目排序全乱了，新建的栏目跑到最后。")
    await kb_desk.login()
    early = await post_form(kb_desk, "/console/incidents/2026-0001",
                            "/console/kb/from-incident/2026-0001", {})
    assert early.status == 409 and "只有已解决或已关闭" in await early.text()
    await act(kb_desk, "2026-0001", "take")
    await act(kb_desk, "2026-0001", "resolve", note="在栏目管理里拖动调整排序后点保存即可。")
    page = await (await kb_desk.client.get("/console/incidents/2026-0001")).text()
    assert "转为知识库草稿" in page
    resp = await post_form(kb_desk, "/console/incidents/2026-0001",
                           "/console/kb/from-incident/2026-0001", {})
    assert resp.status == 303 and resp.headers["Location"].endswith("?done=draft")
    edit_path = resp.headers["Location"].split("?")[0]
    draft_id = edit_path.rsplit("/", 1)[1]
    form_page = await (await kb_desk.client.get(resp.headers["Location"])).text()
    assert "已根据工单生成草稿" in form_page and "拖动调整排序" in form_page
    stored = yaml.safe_load((articles_dir(kb_desk) / "drafts.yaml").read_text("utf-8"))
    assert stored[0]["id"] == draft_id and stored[0]["status"] == "draft"
    assert draft_id not in {a.article_id for a in knowledge.kb.articles}
    fields = {k: v for k, v in hidden_fields(form_page).items() if k != "csrf_token"}
    publish = await post_form(kb_desk, edit_path, edit_path, {
        **fields, "title": "栏目排序错乱怎么调整", "answer": "在栏目管理里拖动调整排序后点保存即可。",
        "keywords": "栏目排序", "status": "published"})
    assert publish.status == 303, await publish.text()
    assert draft_id in {a.article_id for a in knowledge.kb.articles}


async def test_form_suggestion_then_report_is_fault_reported(kb_desk: Desk) -> None:
    first = await kb_desk.client.get("/kb/suggest", params={"q": "首页的飘窗"})
    assert (await first.json())["items"] and "desk_kbq" in first.cookies
    await kb_desk.client.get("/kb/suggest", params={"q": "首页的飘窗怎么关掉"})
    async with UnitOfWork(kb_desk.runtime.session_factory) as uow:
        rows = [(r.id, r.query, r.channel)
                for r in (await uow.session.execute(select(KbQueryRow))).scalars()]
    assert len(rows) == 1 and rows[0][1:] == ("首页的飘窗怎么关掉", "web")
    fields = await kb_desk.form_fields()
    resp = await kb_desk.client.post("/baoxiu", data={**fields, **repair_data()},
                                     allow_redirects=False)
    assert resp.status == 303
    async with UnitOfWork(kb_desk.runtime.session_factory) as uow:
        logged = await uow.knowledge_log.get(rows[0][0])
        incident = await uow.incidents.by_number("2026-0001")
    assert logged is not None and logged.outcome == "fault_reported"
    assert logged.incident_id == incident.id and logged.contact_id == incident.requester_id
    await kb_desk.login()
    misses = await (await kb_desk.client.get("/console/kb")).text()
    assert "仍报修" in misses and "2026-0001" in misses


async def test_forged_suggestion_cookie_is_ignored(kb_desk: Desk) -> None:
    kb_desk.client.session.cookie_jar.update_cookies({"desk_kbq": "1.forged"})
    fields = await kb_desk.form_fields()
    resp = await kb_desk.client.post("/baoxiu", data={**fields, **repair_data()},
                                     allow_redirects=False)
    assert resp.status == 303
