"""Load recorded OneBot v11 payloads and pre-process them exactly as the NoneBot adapter does."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from nonebot.adapters.onebot.v11 import Adapter, MessageEvent
from nonebot.adapters.onebot.v11.bot import _check_at_me, _check_reply

ONEBOT_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "onebot"


def load_payload(name: str, **changes: Any) -> dict[str, Any]:
    """tests/fixtures/onebot/<name>.json with top-level fields replaced."""
    payload = json.loads((ONEBOT_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return {**copy.deepcopy(payload), **changes}


class _GetMsgBot:
    """Just enough of a Bot for the adapter's reply check: answers get_msg from a fixture."""

    def __init__(self, answer: dict[str, Any] | None) -> None:
        self.answer = answer

    async def get_msg(self, *, message_id: int) -> dict[str, Any]:
        if self.answer is None:
            raise RuntimeError("get_msg failed")
        return self.answer


async def adapter_event(payload: dict[str, Any],
                        get_msg: dict[str, Any] | None = None) -> MessageEvent:
    """The event a matcher sees: parsed, quoted message fetched, leading @bot stripped."""
    event = Adapter.json_to_event(payload)
    assert isinstance(event, MessageEvent)
    bot = _GetMsgBot(get_msg)
    await _check_reply(bot, event)  # type: ignore[arg-type]
    _check_at_me(bot, event)  # type: ignore[arg-type]
    return event
