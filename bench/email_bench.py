"""Email ingest throughput: N mixed mails from a real Dovecot through the receiver, beside a bare fetch.

Usage: python bench/email_bench.py [--mails 1000] [--postgres URL]
Runs on SQLite, and on PostgreSQL too when an admin URL is given (default: DESK_TEST_POSTGRES_URL;
``--postgres ""`` skips it), each with a fresh Dovecot mailbox and a fresh database.
Needs the dovecot binary (apt-get install dovecot-imapd). Prints one JSON object; never fails on
timing. "bare_fetch" is aioimaplib alone (UID FETCH in the receiver's batch size, no parsing, no
database); "ingest" is the whole channel: fetch, store raw, parse, intake (incident, ack in the
outbox), mark on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "email"))

from aioimaplib import aioimaplib  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.common import fresh_database, machine, postgres_url_from_env  # noqa: E402
from bot.channels.email_service import build_email_intake, imap_config  # noqa: E402
from bot.channels.imap_receiver import ImapReceiver  # noqa: E402
from bot.main import build_runtime  # noqa: E402
from config.settings import load_settings  # noqa: E402
from dovecot import PASSWORD, USER, Dovecot  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402

KINDS = ("utf8", "gbk", "html_only", "attachment", "reply")


def make_mails(count: int) -> list[bytes]:
    """Mixed mails: UTF-8, GBK, HTML-only, with a 20 KB attachment, and replies to earlier ones."""
    mails = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        msg = EmailMessage()
        msg["From"] = f"用户{i} <user{i % 97}@school.edu.cn>"
        msg["To"] = "desk@sitedesk.test"
        msg["Message-ID"] = f"<bench-{i}@school.edu.cn>"
        msg["Subject"] = f"网站故障报告 {i}"
        body = f"老师您好，学院网站第 {i} 个栏目无法打开，提示 502 错误，请尽快处理。谢谢！"
        if kind == "gbk":
            msg.set_content(body, charset="gb18030")
            del msg["Content-Type"]
            msg["Content-Type"] = 'text/plain; charset="gb2312"'
        elif kind == "html_only":
            msg.set_content(f"<html><body><p>{body}</p><p><b>网络中心</b></p></body></html>",
                            subtype="html")
        else:
            msg.set_content(body)
        if kind == "attachment":
            msg.add_attachment(bytes(range(256)) * 80, maintype="application",
                               subtype="octet-stream", filename="故障截图.png")
        if kind == "reply" and i >= 5:
            msg.replace_header("Subject", f"回复：网站故障报告 {i - 5}")
            msg["In-Reply-To"] = f"<bench-{i - 5}@school.edu.cn>"
            msg.set_content(f"补充信息：{body}\n\n------------------ 原始邮件 ------------------\n"
                            f"发件人: 用户 <user@school.edu.cn>\n主题: 网站故障报告 {i - 5}\n> 原文")
        mails.append(msg.as_bytes())
    return mails


async def bare_fetch(port: int, batch: int) -> dict[str, float]:
    """aioimaplib alone: select, search, UID FETCH in batches, nothing else."""
    start = time.perf_counter()
    client = aioimaplib.IMAP4(host="127.0.0.1", port=port, timeout=30)
    await client.wait_hello_from_server()
    await client.login(USER, PASSWORD)
    await client.select("INBOX")
    found = await client.uid_search("ALL", charset=None)
    uids = [int(u) for u in bytes(found.lines[0]).split()]
    fetched = 0
    for i in range(0, len(uids), batch):
        chunk = ",".join(map(str, uids[i:i + batch]))
        response = await client.uid("fetch", chunk, "(UID BODY.PEEK[])")
        fetched += sum(1 for line in response.lines if isinstance(line, bytearray))
    await client.logout()
    seconds = time.perf_counter() - start
    return {"mails": fetched, "seconds": round(seconds, 3),
            "mails_per_s": round(fetched / seconds, 1)}


async def ingest(dovecot: Dovecot, db_url: str, workdir: Path) -> dict[str, object]:
    """The whole channel, one receiver pass over the mailbox."""
    settings = load_settings(workdir / "absent.toml", {
        "DESK_DATABASE__URL": db_url, "DESK_DESK__DATA_DIR": str(workdir / "data"),
        "DESK_EMAIL__IMAP_HOST": "127.0.0.1", "DESK_EMAIL__IMAP_PORT": str(dovecot.port),
        "DESK_EMAIL__IMAP_TLS": "plain", "DESK_EMAIL__USER": USER,
        "DESK_EMAIL__PASSWORD": PASSWORD, "DESK_EMAIL__FROM_ADDRESS": "desk@sitedesk.test"})
    runtime = build_runtime(settings)
    await upgrade(runtime.engine)
    receiver = ImapReceiver(imap_config(settings.email), build_email_intake(runtime))
    start = time.perf_counter()
    await receiver.run_once()
    seconds = time.perf_counter() - start
    async with UnitOfWork(runtime.session_factory) as uow:
        states = await uow.mail.count_by_state()
        outbox = await uow.outbox.count_by_state()
    await runtime.engine.dispose()
    done = sum(states.values())
    return {"mails": done, "seconds": round(seconds, 3), "mails_per_s": round(done / seconds, 1),
            "states": states, "outbox": outbox}


async def one_backend(count: int, kind: str, pg_admin: str | None) -> dict[str, object]:
    """A fresh mailbox of ``count`` mails, a bare fetch of it, then the channel on ``kind``."""
    root = Path(tempfile.mkdtemp(prefix="sitedesk-bench-"))
    root.chmod(0o755)  # Dovecot's own users must traverse it
    dovecot = Dovecot(root / "dovecot")
    dovecot.write_config()
    for raw in make_mails(count):
        dovecot.deliver(raw)
    dovecot.start()
    try:
        fetch = await bare_fetch(dovecot.port, batch=20)
        async with fresh_database(kind, root, pg_admin) as engine:
            url = engine.url.render_as_string(hide_password=False)
            await engine.dispose()
            result = await ingest(dovecot, url, root)
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    return {"database": make_url(url).get_backend_name(), "bare_fetch": fetch, "ingest": result,
            "ingest_vs_bare": round(float(result["mails_per_s"]) / fetch["mails_per_s"], 3)}


async def main(count: int, pg_admin: str | None) -> dict[str, object]:
    runs = [await one_backend(count, kind, pg_admin)
            for kind in ["sqlite"] + (["postgresql"] if pg_admin else [])]
    return {"benchmark": "email_ingest", "mails": count, "kinds": list(KINDS), "runs": runs,
            "machine": machine()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--postgres", default=postgres_url_from_env(),
                        help="PostgreSQL admin URL (a scratch database is created and dropped)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.mails, args.postgres or None)), ensure_ascii=False,
                     indent=2))
