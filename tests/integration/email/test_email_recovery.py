"""Nothing lost, nothing doubled: kills between fetch and mark, Dovecot restarts, SMTP outages."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.email_service import (
    build_email_intake, imap_config, smtp_config, start_email_channel,
)
from bot.channels.imap_receiver import ImapReceiver
from bot.channels.smtp_sender import SmtpChannel
from bot.domain.messages import ChannelKind
from bot.services.delivery import RetryPolicy
from storage.mail import MailState

from email_support import (
    REPO_ROOT_HINT, RuntimeFactory, SmtpSink, desk_environ, eventually, make_mail,
)
from dovecot import Dovecot
from email_probes import incident_numbers, mails, outbox_count, parse_sent, processed, server_flags


class SimulatedCrash(BaseException):
    """Not an Exception: nothing in the receiver catches it, like a kill."""


def _three_mails(dovecot: Dovecot) -> None:
    for i in range(3):
        raw, _ = make_mail(f"故障报告 {i}", f"第 {i} 个问题：栏目页面打不开。",
                           sender=f"user{i}@school.edu.cn")
        dovecot.deliver(raw)


async def _assert_exactly_once(runtime, dovecot: Dovecot, count: int) -> None:
    assert len(await incident_numbers(runtime)) == count
    assert await outbox_count(runtime) == count  # one acknowledgement each
    assert [m.state for m in await mails(runtime)] == [MailState.PROCESSED] * count
    flags = await server_flags(dovecot)
    assert len(flags) == count and all("$SiteDeskDone" in f for f in flags.values()), flags


@pytest.mark.parametrize("point", ["stored", "processed"])
async def test_crash_between_fetch_and_mark_loses_and_doubles_nothing(
        point: str, make_runtime: RuntimeFactory, dovecot: Dovecot) -> None:
    runtime = await make_runtime()
    _three_mails(dovecot)
    calls = 0

    async def crash_on_second(at: str, uid: int) -> None:
        nonlocal calls
        if at == point:
            calls += 1
            if calls == 2:
                raise SimulatedCrash

    config = imap_config(runtime.settings.email)
    with pytest.raises(SimulatedCrash):
        await ImapReceiver(config, build_email_intake(runtime),
                           checkpoint=crash_on_second).run_once()
    before = {m.uid: m.state for m in await mails(runtime)}
    assert before[2] == (MailState.STORED if point == "stored" else MailState.PROCESSED)
    await ImapReceiver(config, build_email_intake(runtime)).run_once()  # the restart
    await ImapReceiver(config, build_email_intake(runtime)).run_once()  # and once more
    await _assert_exactly_once(runtime, dovecot, 3)


async def test_sigkill_of_the_receiver_process_then_restart(
        tmp_path: Path, make_runtime: RuntimeFactory, dovecot: Dovecot,
        smtp_sink: SmtpSink) -> None:
    runtime = await make_runtime()
    _three_mails(dovecot)
    environ = desk_environ(tmp_path, dovecot, smtp_sink.port,
                           f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}")
    child = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("receiver_child.py")), json.dumps(environ),
         "stored"], cwd=REPO_ROOT_HINT, capture_output=True, timeout=60,
        env={"PYTHONPATH": str(REPO_ROOT_HINT), "PATH": "/usr/bin:/bin"})
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    assert [m.state for m in await mails(runtime)] == [MailState.STORED]
    await ImapReceiver(imap_config(runtime.settings.email), build_email_intake(runtime)).run_once()
    await _assert_exactly_once(runtime, dovecot, 3)


async def test_dovecot_restart_mid_idle_reconnects_and_picks_up_mail(
        make_runtime: RuntimeFactory, dovecot: Dovecot) -> None:
    runtime = await make_runtime()
    stop = await start_email_channel(runtime)
    assert stop is not None
    try:
        await eventually(lambda: _detail_is(runtime, "已连接（IDLE）"), what="IDLE")
        first, _ = make_mail("第一封", "服务器重启前的邮件。")
        dovecot.deliver(first)
        await eventually(lambda: processed(runtime, 1), what="mail before restart")
        await asyncio.sleep(0.2)  # back in IDLE
        dovecot.stop()
        second, _ = make_mail("第二封", "服务器停机期间到达的邮件。", sender="wang@school.edu.cn")
        dovecot.deliver(second)
        dovecot.start()
        await eventually(lambda: processed(runtime, 2), timeout=20, what="mail after restart")
    finally:
        await stop()
    assert len(await incident_numbers(runtime)) == 2


async def _detail_is(runtime, text: str) -> bool:
    return runtime.registry.states()[ChannelKind.EMAIL.value].detail == text


async def test_smtp_down_notices_go_out_once_it_is_back(
        make_runtime: RuntimeFactory, dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    runtime = await make_runtime()
    delivery = dataclasses.replace(runtime.delivery,
                                   retry=RetryPolicy(8, timedelta(milliseconds=10),
                                                     timedelta(milliseconds=20)))
    runtime.registry.register(SmtpChannel(smtp_config(runtime.settings.email)))
    smtp_sink.stop()
    _three_mails(dovecot)
    await ImapReceiver(imap_config(runtime.settings.email), build_email_intake(runtime)).run_once()
    report = await delivery.deliver_pending()
    assert (report.sent, report.retried) == (0, 3)
    smtp_sink.start()
    await asyncio.sleep(0.05)
    assert (await delivery.deliver_pending()).sent == 3
    assert (await delivery.deliver_pending()).sent == 0
    ids = [parse_sent(raw)["Message-ID"] for raw in smtp_sink.messages]
    assert len(ids) == 3 == len(set(ids))


async def test_mail_that_keeps_failing_is_quarantined_and_the_mailbox_flows(
        make_runtime: RuntimeFactory, dovecot: Dovecot) -> None:
    """An intake bug on one mail: retried with backoff, then quarantined; the rest goes on."""
    runtime = await make_runtime(MARK_MODE="move", MAX_PROCESSING_FAILURES="3")
    intake = build_email_intake(runtime)
    handle = intake.on_message

    async def buggy(msg):  # type: ignore[no-untyped-def]
        if "导致故障" in (msg.subject or ""):
            raise RuntimeError("intake bug on this mail")
        return await handle(msg)

    intake.on_message = buggy
    for subject in ("导致故障的邮件", "正常报修 1", "正常报修 2"):
        raw, _ = make_mail(subject, "栏目页面打不开。")
        dovecot.deliver(raw)
    receiver = ImapReceiver(dataclasses.replace(
        imap_config(runtime.settings.email), initial_backoff=timedelta(milliseconds=100)), intake)
    task = asyncio.create_task(receiver.run())
    try:
        await eventually(lambda: processed(runtime, 3), timeout=30, what="mailbox flowing")
        await eventually(lambda: _inbox_empty(dovecot), what="quarantined mail moved")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    rows = await mails(runtime)
    assert [r.state for r in rows] == [MailState.QUARANTINED, MailState.PROCESSED,
                                       MailState.PROCESSED]
    assert rows[0].attempts == 3 and rows[0].reason == "processing-failed"
    assert rows[0].error == "RuntimeError: intake bug on this mail"
    assert len(await incident_numbers(runtime)) == 2
    assert len(await server_flags(dovecot, "Failed")) == 1  # the desk's quarantine folder
    assert len(await server_flags(dovecot, "Processed")) == 2


async def _inbox_empty(dovecot: Dovecot) -> bool:
    return await server_flags(dovecot) == {}
