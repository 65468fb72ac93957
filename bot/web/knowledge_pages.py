"""Console pages of the knowledge base (知识库): misses, articles, editing, drafts from incidents."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.domain.events import EventKind
from bot.domain.incident import Status
from bot.domain.staff import Permission
from bot.services.knowledge import KnowledgeService
from bot.services.ledger import IncidentView
from bot.web.auth import require_staff
from bot.web.console import incident_response
from bot.web.context import ctx_of, render
from bot.web.kb_files import (
    DRAFTS_FILE, ArticleForm, ArticleSaveError, find_article, read_article_form, save_article,
)
from bot.web.security import CSRF_FIELD, csrf_valid
from knowledge_base import Article, KnowledgeBaseError, load_articles
from storage.unit_of_work import UnitOfWork

DECISION_LABELS = {"answer": "已回答", "ask_back": "反问确认", "no_match": "无匹配"}
OUTCOME_LABELS = {"accepted": "已采纳", "fault_reported": "仍报修", "no_match": "无匹配",
                  None: "待观察"}
DRAFT_PLACEHOLDER = "（请根据工单处理记录填写解决方法）"


def add_routes(app: web.Application) -> None:
    """Register the knowledge-base pages under /console/kb."""
    app.router.add_get("/console/kb", misses_page)
    app.router.add_get("/console/kb/articles", articles_page)
    app.router.add_get("/console/kb/articles/new", new_article_page)
    app.router.add_post("/console/kb/articles/new", create_article)
    app.router.add_get("/console/kb/articles/{article_id}", edit_article_page)
    app.router.add_post("/console/kb/articles/{article_id}", update_article)
    app.router.add_post("/console/kb/from-incident/{number}", draft_from_incident)


def _knowledge(request: web.Request) -> KnowledgeService:
    knowledge = ctx_of(request).knowledge
    if knowledge is None:
        raise web.HTTPNotFound()
    return knowledge  # type: ignore[no-any-return]


def _root(knowledge: KnowledgeService) -> Path:
    return Path(knowledge.kb.path)


async def misses_page(request: web.Request) -> web.Response:
    """Questions not answered, asked back, or answered while a fault was reported anyway."""
    require_staff(request, Permission.WORK)
    knowledge = _knowledge(request)
    await knowledge.settle_outcomes()  # outcomes are decided lazily, whenever staff look
    async with UnitOfWork(ctx_of(request).runtime.session_factory) as uow:
        misses = await uow.knowledge_log.misses(limit=200)
    titles = {a.article_id: a.title for a in await _all_articles(knowledge)}
    return render(request, "kb_misses.html", {
        "misses": misses, "titles": titles, "decisions": DECISION_LABELS,
        "outcomes": OUTCOME_LABELS, "window": int(knowledge.outcome_window.total_seconds() // 60)})


async def _all_articles(knowledge: KnowledgeService) -> list[Article]:
    """Published and draft articles as the files hold them now."""
    try:
        return await asyncio.to_thread(load_articles, _root(knowledge), include_drafts=True)
    except KnowledgeBaseError:
        return list(knowledge.kb.articles)


def _matches(article: Article, text: str) -> bool:
    haystack = " ".join((article.article_id, article.title, article.category, article.answer,
                         *article.terms, *article.questions)).lower()
    return all(word in haystack for word in text.lower().split())


async def articles_page(request: web.Request) -> web.Response:
    """Every article (drafts first), filtered by words in any field."""
    require_staff(request, Permission.WORK)
    text = request.query.get("q", "").strip()[:100]
    articles = [a for a in await _all_articles(_knowledge(request)) if _matches(a, text)]
    articles.sort(key=lambda a: (a.status.value != "draft", a.category, a.article_id))
    return render(request, "kb_articles.html", {"articles": articles, "q": text,
                                                "flash": request.query.get("done")})


def _form_response(request: web.Request, form: ArticleForm, *, is_new: bool,
                   source: str = "", status: int = 200) -> web.Response:
    return render(request, "kb_article.html", {
        "form": form, "is_new": is_new, "source": source,
        "flash": request.query.get("done")}, status=status)


async def new_article_page(request: web.Request) -> web.Response:
    """An empty article form."""
    require_staff(request, Permission.TRIAGE)
    _knowledge(request)
    return _form_response(request, ArticleForm(), is_new=True)


async def edit_article_page(request: web.Request) -> web.Response:
    """One article's form (editable with TRIAGE, read-only otherwise)."""
    require_staff(request, Permission.WORK)
    root = _root(_knowledge(request))
    found = await asyncio.to_thread(find_article, root, request.match_info["article_id"])
    if found is None:
        raise web.HTTPNotFound()
    file, item = found
    return _form_response(request, ArticleForm.from_mapping(item), is_new=False,
                          source=_relative(file, root))


def _relative(file: Path, root: Path) -> str:
    return file.name if root.is_file() else str(file.relative_to(root))


async def create_article(request: web.Request) -> web.Response:
    """Save a new article into the console's file, then reload the matcher."""
    require_staff(request, Permission.TRIAGE)
    form = read_article_form(await request.post())
    return await _save(request, form, original_id=None)


async def update_article(request: web.Request) -> web.Response:
    """Replace an article in its file (its id stays), then reload the matcher."""
    require_staff(request, Permission.TRIAGE)
    article_id = request.match_info["article_id"]
    form = read_article_form(await request.post(), fixed_id=article_id)
    return await _save(request, form, original_id=article_id)


async def _save(request: web.Request, form: ArticleForm, *,
                original_id: str | None) -> web.Response:
    knowledge = _knowledge(request)
    ctx = ctx_of(request)
    if not csrf_valid(request, ctx.signer, str((await request.post()).get(CSRF_FIELD, ""))):
        form.errors["form"] = "页面已过期，请确认内容后再次保存。"
    if not form.errors:
        try:
            await asyncio.to_thread(save_article, _root(knowledge), form.to_mapping(),
                                    original_id=original_id)
        except ArticleSaveError as err:
            form.errors[err.field_name] = err.message
    if form.errors:
        return _form_response(request, form, is_new=original_id is None, status=400)
    try:
        await knowledge.reload()
    except KnowledgeBaseError as err:
        form.errors["form"] = f"文章已保存，但知识库重新加载失败（其他文件有误），仍在使用旧版本：{err}"
        return _form_response(request, form, is_new=False, status=500)
    raise web.HTTPSeeOther(f"/console/kb/articles/{form.article_id}?done=saved")


async def draft_from_incident(request: web.Request) -> web.Response:
    """Turn a resolved or closed incident into a draft article and open its form."""
    require_staff(request, Permission.TRIAGE)
    knowledge = _knowledge(request)
    view = await ctx_of(request).ledger.incident(request.match_info["number"])
    incident = view.incident
    if incident.status not in (Status.RESOLVED, Status.CLOSED):
        return await incident_response(request, view, status=409,
                                       error="只有已解决或已关闭的工单才能转为知识库草稿。")
    draft = knowledge.draft_from_incident(incident.title, incident.description[:500],
                                          resolution_text(view) or DRAFT_PLACEHOLDER)
    try:
        await asyncio.to_thread(save_article, _root(knowledge), draft, original_id=None,
                                new_file=DRAFTS_FILE)
    except ArticleSaveError as err:
        form = ArticleForm.from_mapping(draft)
        form.errors["form"] = err.message
        return _form_response(request, form, is_new=True, status=400)
    raise web.HTTPSeeOther(f"/console/kb/articles/{draft['id']}?done=draft")


def resolution_text(view: IncidentView) -> str:
    """How the incident was fixed: the last resolve note, else the last analysis or note."""
    notes: list[str] = []
    for event in reversed(view.timeline):
        data: dict[str, Any] = dict(event.data)
        if event.kind is EventKind.STATUS_CHANGED and data.get("to") == Status.RESOLVED.value \
                and data.get("note"):
            return str(data["note"]).strip()
        if event.kind is EventKind.NOTE_ADDED and data.get("text"):
            notes.append(str(data["text"]).strip())
    return notes[0] if notes else ""
