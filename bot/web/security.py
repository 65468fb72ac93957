"""Web security: signed values, CSRF tokens, rate limits, anti-spam checks and response headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

CSRF_COOKIE = "desk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


class Signer:
    """HMAC-SHA256 over short strings with the desk's secret key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, value: str) -> str:
        """A hex MAC of ``value``."""
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    def valid(self, value: str, mac: str) -> bool:
        """Whether ``mac`` was made by ``sign(value)`` (constant-time)."""
        return hmac.compare_digest(self.sign(value), mac)

    def stamp(self, now: float) -> str:
        """A signed issue time for a form, ``<seconds>.<mac>``."""
        seconds = str(int(now))
        return f"{seconds}.{self.sign('issued:' + seconds)}"

    def stamp_age(self, stamp: str, now: float) -> float | None:
        """Seconds since a stamp was issued, or None when it is forged or malformed."""
        seconds, _, mac = stamp.partition(".")
        if not seconds.isdigit() or not self.valid("issued:" + seconds, mac):
            return None
        return now - int(seconds)


def csrf_cookie_value(request: web.Request) -> str:
    """The browser's CSRF cookie, or a fresh one the response middleware will set."""
    value = request.get("csrf_cookie")
    if value is None:
        value = request.cookies.get(CSRF_COOKIE) or ""
        if len(value) < 20 or len(value) > 64:
            value = secrets.token_urlsafe(24)
            request["csrf_new"] = True
        request["csrf_cookie"] = value
    return str(value)


def csrf_token(request: web.Request, signer: Signer) -> str:
    """The token every form carries: a MAC of the browser's CSRF cookie (double submit)."""
    return signer.sign("csrf:" + csrf_cookie_value(request))


def csrf_valid(request: web.Request, signer: Signer, submitted: str) -> bool:
    """Whether ``submitted`` matches this browser's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return bool(cookie) and bool(submitted) and signer.valid("csrf:" + cookie, submitted)


def set_csrf_cookie(request: web.Request, response: web.StreamResponse, *,
                    secure: bool) -> None:
    """Send the CSRF cookie when this request created it."""
    if request.get("csrf_new") and not response.prepared:
        response.set_cookie(CSRF_COOKIE, str(request["csrf_cookie"]), httponly=True,
                            samesite="Lax", secure=secure, path="/")


@dataclass
class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (sliding window, in memory)."""

    limit: int
    window: float = 60.0
    now: Callable[[], float] = time.monotonic
    _events: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        """Record an event for ``key``; False when the key is over its limit."""
        if self.limit <= 0:
            return True
        now = self.now()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        if len(self._events) > 10_000:  # forget idle keys so memory stays bounded
            self._events = {k: v for k, v in self._events.items() if v}
        return True


def client_key(request: web.Request) -> str:
    """Who is asking, for rate limits: the peer address (put a trusted proxy in front)."""
    return request.remote or "unknown"


def apply_security_headers(response: web.StreamResponse) -> None:
    """CSP, no sniffing, no framing, no referrer leaks of tracking tokens."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 ``filename*`` for the real name."""
    from urllib.parse import quote

    fallback = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_"
                       for ch in filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
