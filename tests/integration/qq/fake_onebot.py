"""A protocol-faithful OneBot v11 forward-WebSocket endpoint for tests and benchmarks.

What it does (notes/onebot.md §4.3): checks ``Authorization: Bearer``, sends the lifecycle
``connect`` meta event first and heartbeats after, pushes message events with segment arrays
and a CQ-escaped ``raw_message``, answers every action with the same ``echo`` (``send_*``
get message ids, ``get_msg`` returns stored messages, unknown actions fail with 1404),
fails scripted actions with a retcode such as 1200, and can drop the connection and refuse
reconnects for a while. Every action frame is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


def cq_escape(text: str, *, param: bool = False) -> str:
    """Escape text for the CQ-code string form (and for CQ parameters)."""
    text = text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
    return text.replace(",", "&#44;") if param else text


def to_raw_message(segments: list[dict[str, Any]]) -> str:
    """The ``raw_message`` string an implementation sends beside the segment array."""
    parts = []
    for seg in segments:
        if seg["type"] == "text":
            parts.append(cq_escape(seg["data"]["text"]))
        else:
            params = ",".join(f"{k}={cq_escape(str(v), param=True)}"
                              for k, v in seg["data"].items())
            parts.append(f"[CQ:{seg['type']}{',' + params if params else ''}]")
    return "".join(parts)


@dataclass
class Action:
    """One action frame the bot sent."""

    action: str
    params: dict[str, Any]
    echo: Any
    at: float = field(default_factory=time.monotonic)


class FakeOneBot:
    """The endpoint; start with ``await start()``, address it at ``url``."""

    def __init__(self, *, self_id: int = 10000, token: str = "test-token",
                 heartbeat: float = 5.0) -> None:
        self.self_id, self.token, self.heartbeat = self_id, token, heartbeat
        self.actions: list[Action] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.failures: dict[str, list[int]] = {}
        self.accepting = True
        self.connections = 0
        self._ids = itertools.count(7001)
        self._ws: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The forward WebSocket address for ONEBOT_WS_URLS."""
        return f"ws://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        """Listen on a free port on 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close the connection and the server."""
        await self.drop()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- scripting -------------------------------------------------------------------------

    def fail_next(self, action: str, retcode: int = 1200) -> None:
        """The next ``action`` fails with ``retcode`` (status ``failed``)."""
        self.failures.setdefault(action, []).append(retcode)

    async def drop(self) -> None:
        """Close the current connection, as a crashing implementation would."""
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            await ws.close()
        await self._notify()

    async def wait_connected(self, timeout: float = 20.0) -> None:
        """Until a bot is connected."""
        await self.wait_until(lambda: self._ws is not None and not self._ws.closed, timeout)

    async def wait_until(self, predicate: Any, timeout: float = 20.0) -> None:
        """Until ``predicate()`` holds (re-checked whenever something happens)."""
        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)
        await asyncio.wait_for(check(), timeout)

    async def wait_action(self, action: str, *, after: int = 0, timeout: float = 20.0,
                          contains: str | None = None) -> Action:
        """The first recorded ``action`` at index ≥ ``after`` (whose text has ``contains``)."""
        def found() -> Action | None:
            for item in self.actions[after:]:
                if item.action == action and (contains is None
                                              or contains in message_text(item.params)):
                    return item
            return None
        await self.wait_until(lambda: found() is not None, timeout)
        result = found()
        assert result is not None
        return result

    # -- events ----------------------------------------------------------------------------

    def group_event(self, segments: list[dict[str, Any]], *, message_id: int,
                    group_id: int = 555000, user_id: int = 20002,
                    card: str = "某校网管") -> dict[str, Any]:
        """A NapCat-style group message event in array format."""
        return {"time": int(time.time()), "self_id": self.self_id, "post_type": "message",
                "message_type": "group", "sub_type": "normal", "message_id": message_id,
                "group_id": group_id, "user_id": user_id, "anonymous": None,
                "message": segments, "raw_message": to_raw_message(segments), "font": 0,
                "sender": {"user_id": user_id, "nickname": "Alice", "card": card,
                           "sex": "unknown", "age": 0, "area": "", "level": "1",
                           "role": "member", "title": ""},
                "message_seq": message_id, "real_id": message_id, "message_format": "array"}

    async def push(self, event: dict[str, Any]) -> None:
        """Send an event to the connected bot (and remember it for get_msg)."""
        if event.get("post_type") == "message":
            self.messages[event["message_id"]] = {
                "time": event["time"], "message_type": event["message_type"],
                "message_id": event["message_id"], "real_id": event["message_id"],
                "sender": event["sender"], "message": event["message"]}
        assert self._ws is not None, "no bot connected"
        await self._ws.send_str(json.dumps(event, ensure_ascii=False))

    # -- protocol --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401)
        if not self.accepting:
            return web.Response(status=503)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws, self.connections = ws, self.connections + 1
        await ws.send_str(json.dumps(self._meta("lifecycle", sub_type="connect")))
        beat = asyncio.create_task(self._heartbeats(ws))
        await self._notify()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._answer(ws, json.loads(frame.data))
        finally:
            beat.cancel()
            if self._ws is ws:
                self._ws = None
            await self._notify()
        return ws

    def _meta(self, kind: str, **extra: Any) -> dict[str, Any]:
        return {"time": int(time.time()), "self_id": self.self_id, "post_type": "meta_event",
                "meta_event_type": kind, **extra}

    async def _heartbeats(self, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(self.heartbeat)
            await ws.send_str(json.dumps(self._meta(
                "heartbeat", status={"online": True, "good": True},
                interval=int(self.heartbeat * 1000))))

    async def _answer(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        action, params = frame.get("action", ""), frame.get("params") or {}
        self.actions.append(Action(action, params, frame.get("echo")))
        reply = {"echo": frame.get("echo"), "message": "", "wording": ""}
        failures = self.failures.get(action)
        if failures:
            retcode = failures.pop(0)
            reply.update(status="failed", retcode=retcode, data=None,
                         message="Timeout: NTEvent serviceAndMethod:NodeIKernelMsgService/sendMsg")
        else:
            data = self._result(action, params)
            ok = data is not None or action in ("send_msg", "send_group_msg", "send_private_msg")
            reply.update(status="ok" if ok else "failed", retcode=0 if ok else 1404,
                         data=data)
        await ws.send_str(json.dumps(reply, ensure_ascii=False))
        await self._notify()

    def _result(self, action: str, params: dict[str, Any]) -> Any:
        if action in ("send_msg", "send_group_msg", "send_private_msg"):
            message_id = next(self._ids)
            self.messages[message_id] = {
                "time": int(time.time()), "message_id": message_id, "real_id": message_id,
                "message_type": "group" if params.get("group_id") else "private",
                "sender": {"user_id": self.self_id, "nickname": "服务台"},
                "message": params.get("message")}
            return {"message_id": message_id}
        if action == "get_msg":
            return self.messages.get(int(params.get("message_id", 0)))
        if action == "get_login_info":
            return {"user_id": self.self_id, "nickname": "服务台"}
        return None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


def message_text(params: dict[str, Any]) -> str:
    """The concatenated text segments of an action's ``message``."""
    message = params.get("message")
    if isinstance(message, str):
        return message
    return "".join(str(seg.get("data", {}).get("text", "")) for seg in message or []
                   if seg.get("type") == "text")
