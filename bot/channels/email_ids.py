"""Our own Message-IDs: derived from a notice's idempotency key, signed, verifiable (pure)."""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.domain.incident import find_incident_number

# <sd.2026-0001.1a2b3c4d5e6f7a8b.0f1e2d3c4b@desk.example.edu.cn> (notes/email.md §3.6,
# after osTicket's signed ids): number, a hash of the idempotency key, an HMAC over both.
_OWN_ID = re.compile(r"^sd\.(\d{4}-\d{3,6}|0)\.([0-9a-f]{16})\.([0-9a-f]{10})@(.+)$")


def _signature(number: str, key_hash: str, secret: str, domain: str) -> str:
    material = (secret or domain).encode("utf-8")
    return hmac.new(material, f"{number}.{key_hash}".encode(), hashlib.sha256).hexdigest()[:10]


def own_message_id(idempotency_key: str, *, number: str | None, domain: str,
                   secret: str = "") -> str:
    """The Message-ID (without angle brackets) of the notice with ``idempotency_key``.

    The same key always gives the same id, so a resend after a crash is recognisable.
    """
    key_hash = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:16]
    label = number or "0"
    return f"sd.{label}.{key_hash}.{_signature(label, key_hash, secret, domain)}@{domain}"


def decode_own_message_id(message_id: str | None, *, domain: str, secret: str = "") -> str | None:
    """The incident number inside one of our Message-IDs, if the signature verifies.

    Returns "" for a verified id that names no incident, None for anything not ours.
    """
    match = _OWN_ID.match(message_id or "")
    if match is None or match.group(4).lower() != domain.lower():
        return None
    number, key_hash, signature = match.group(1), match.group(2), match.group(3)
    if not hmac.compare_digest(signature, _signature(number, key_hash, secret, domain)):
        return None
    return "" if number == "0" else number


def notice_number(*candidates: str | None) -> str | None:
    """The first incident number found in the given texts (number, subject, key)."""
    for text in candidates:
        number = find_incident_number(text or "")
        if number:
            return number
    return None
