"""Questions and reports: knowledge-base answers, asking back, and incidents via intake."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from bot.channels.qq import event_to_inbound, plain_text, strip_keyword
from bot.domain.messages import ChannelKind, InboundMessage
from storage.qq_queries import QqQueries
from storage.unit_of_work import UnitOfWork

from .conversation import Conversation

logger = logging.getLogger(__name__)

_MAX_CANDIDATES = 3


def _decision(answer: Any) -> str:
    decision = getattr(answer, "decision", "no_match")
    return str(getattr(decision, "value", decision))


def answer_text(answer: Any, keyword: str) -> str:
    """A confident answer, with how to report a fault if it does not help."""
    title = getattr(answer, "title", None)
    source = f"（以上为自动回答，依据《{title}》）" if title else "（以上为自动回答）"
    return (f"{answer.answer_text.strip()}\n\n{source}\n"
            f"如果仍未解决，请发送“{keyword} 问题描述”登记工单。")


def ask_back_text(answer: Any, keyword: str) -> str:
    """Ask which of the closest articles was meant."""
    titles = list(getattr(answer, "candidate_titles", []) or [])[:_MAX_CANDIDATES]
    lines = ["您想问的是不是："]
    lines += [f"{i}. {title}" for i, title in enumerate(titles, 1)]
    lines.append(f"请 @我 把问题说得具体些；如需报修，请发送“{keyword} 问题描述”。")
    return "\n".join(lines)


async def handle_addressed(talk: Conversation) -> None:
    """An @bot message, a reply to the bot, a 报修 message or a private message."""
    if await talk.seen_before():
        logger.info("QQ redelivery ignored external_id=%s", talk.external_id)
        return
    settings = talk.runtime.settings.qq
    inbound = await _threaded(talk, event_to_inbound(talk.event, keywords=settings.keywords))
    _, explicit = strip_keyword(plain_text(talk.event.message, self_id=str(talk.event.self_id)),
                                settings.keywords)
    if not explicit and inbound.incident_number is None and await _try_knowledge(
            talk, inbound, confident_only=False):
        return
    await open_or_follow_up(talk, inbound)


async def handle_group_question(talk: Conversation) -> None:
    """A message in a group configured to have its questions answered without an @."""
    text = plain_text(talk.event.message, self_id=str(talk.event.self_id))
    if not text or await talk.seen_before():
        return
    inbound = event_to_inbound(talk.event)
    await _try_knowledge(talk, inbound, confident_only=True)


async def open_or_follow_up(talk: Conversation, inbound: InboundMessage) -> None:
    """Hand the message to intake; answer what the outbox will not answer for us."""
    runtime = talk.runtime
    result = await runtime.intake.handle(inbound)
    if result.duplicate or result.reply_text is None:
        return
    acked_by_outbox = ChannelKind.QQ in runtime.intake.defaults.acknowledge_on
    if result.created and acked_by_outbox:
        return  # the acknowledgement (number, severity, response target) is in the outbox
    await talk.say(result.reply_text)


async def _threaded(talk: Conversation, inbound: InboundMessage) -> InboundMessage:
    """Name the incident a quoted bot message belongs to, when intake cannot see it."""
    if inbound.incident_number or not inbound.thread_keys:
        return inbound
    async with UnitOfWork(talk.runtime.session_factory) as uow:
        incident_id = await QqQueries(uow.session).incident_for_message(
            ChannelKind.QQ.value, inbound.thread_keys)
        if incident_id is None:
            return inbound
        number = (await uow.incidents.by_id(incident_id)).number
    return dataclasses.replace(inbound, incident_number=number)


async def _try_knowledge(talk: Conversation, inbound: InboundMessage, *,
                         confident_only: bool) -> bool:
    """Answer from the knowledge base; True when the message was dealt with that way."""
    knowledge = getattr(talk.runtime, "knowledge", None)
    if knowledge is None or not inbound.text.strip() or inbound.attachments:
        return False
    answer = await knowledge.answer(inbound.text, channel=ChannelKind.QQ.value,
                                    contact_id=await talk.contact_id())
    decision = _decision(answer)
    keyword = talk.runtime.settings.qq.keywords[0]
    if decision == "answer":
        text = answer_text(answer, keyword)
    elif decision == "ask_back" and not confident_only:
        text = ask_back_text(answer, keyword)
    else:
        return False
    if await talk.claim():
        await talk.say(text)
        logger.info("QQ question answered from KB decision=%s query=%s", decision,
                    getattr(answer, "query_id", None))
    return True
