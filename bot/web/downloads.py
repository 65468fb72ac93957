"""Attachment download: only stored references, never a user path; no sniffing, no inline."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import WebContext
from bot.web.forms import CONTENT_TYPES
from bot.web.security import content_disposition
from storage.files import FileStoreError

_SAFE_TYPES = frozenset(CONTENT_TYPES.values())


async def send_attachment(ctx: WebContext, incident_id: int | None, message_id: int,
                          index: int) -> web.StreamResponse:
    """The file at ``index`` of a message, if that message belongs to ``incident_id``.

    ``incident_id`` None means the caller is staff and may read any incident's files.
    """
    found = await ctx.ledger.attachments_of(message_id)
    if found is None or (incident_id is not None and found[0] != incident_id):
        raise web.HTTPNotFound()
    records = found[1]
    if not 0 <= index < len(records) or not records[index].get("storage_ref"):
        raise web.HTTPNotFound()
    record = records[index]
    try:
        path = ctx.runtime.files.path_of(str(record["storage_ref"]))
    except FileStoreError as err:
        raise web.HTTPNotFound() from err
    content_type = str(record.get("content_type") or "")
    if content_type not in _SAFE_TYPES:
        content_type = "application/octet-stream"
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition(str(record.get("filename") or "附件")),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return web.FileResponse(path, headers=headers)
