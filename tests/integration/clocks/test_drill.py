"""An end-to-end drill: SLA durations of seconds in configuration, the real scheduler ticking,
notices arriving at the recording adapters in the ladder's order."""

from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.channels.base import ChannelRegistry
from bot.channels.recording import RecordingChannel
from bot.domain.messages import ChannelKind, InboundMessage, ReplyAddress, SenderIdentity
from bot.main import DeskService, build_runtime
from config.settings import load_settings

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_drill_with_second_long_targets(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.toml", {
        "DESK_SLA__L4": "4s", "DESK_SLA__FEEDBACK_FORM": "2s",
        "DESK_ESCALATION__SECOND_LINE_AFTER": "2s",
        "DESK_SCHEDULER__SWEEP_INTERVAL": "1s", "DESK_SCHEDULER__DELIVERY_INTERVAL": "1s",
        "DESK_NOTIFY__DESK_QQ_GROUP": "8888", "DESK_NOTIFY__DEV_TEAM_EMAIL": "dev@corp.example",
        "DESK_NOTIFY__PROJECT_MANAGEMENT_EMAIL": "pmo@corp.example",
        "DESK_DESK__DATA_DIR": str(tmp_path / "data"), "DESK_WEB__PORT": str(free_port()),
    })
    registry = ChannelRegistry()
    qq, mail = RecordingChannel(ChannelKind.QQ), RecordingChannel(ChannelKind.EMAIL)
    registry.register(qq)
    registry.register(mail)
    runtime = build_runtime(settings, registry=registry)
    service = DeskService(runtime)
    await service.start()
    try:
        result = await runtime.intake.handle(InboundMessage(
            channel=ChannelKind.QQ, external_id="bot:group:555:1",
            sender=SenderIdentity(name="张老师", qq="10001", email="zhang@school.edu.cn"),
            reply_to=ReplyAddress(ChannelKind.QQ, "group:555", "1", "10001"),
            text="栏目页面报 500", received_at=datetime.now(timezone.utc)))
        assert result.created
        sent = await qq.wait_for(4, timeout=30)  # ack, warning, breach, second line
        await mail.wait_for(2, timeout=30)  # the feedback form and the handover
    finally:
        await service.stop()
    kinds = [(n.kind.value, n.address.target) for n in sent]
    assert kinds[0] == ("acknowledgement", "group:555")
    escalations = [n.subject for n in sent if n.kind.value == "escalation"]
    assert [s.split("] ")[1].split("：")[0] for s in escalations[:3]] == [
        "即将超时", "已超时", "升级至二线"]
    mail_kinds = {n.kind.value: n for n in mail.sent}
    assert mail_kinds["feedback_form"].address.target == "zhang@school.edu.cn"
    assert mail_kinds["handover"].extra == {"cc": "pmo@corp.example"}
