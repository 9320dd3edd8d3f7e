"""``GET /feeds/<token>.ics``: the calendar a runner subscribes to.

Calendar clients poll, often every few minutes, so this path is built to be cheap and
predictable: one indexed read (live token → current version's validators), then a 304 from
the validators alone or the body from a small per-process cache. It bypasses the session and
template machinery of the clinician app entirely (a plain ASGI callable).

Unknown, malformed and revoked tokens get byte-identical 404s after the same lookup, so the
endpoint is no oracle for which tokens exist. Tokens never reach a log from here: nothing is
logged, and uvicorn's access log is switched off by ``rehabplan serve``.

Clients that send ``Accept-Encoding: gzip`` get the body gzipped (a feed shrinks about
tenfold), compressed once per cached body, deterministically (no timestamp in the gzip
header). Each encoding has its own strong ETag, the SHA-256 of the bytes it sends, and
``Vary: Accept-Encoding`` keeps shared caches from mixing them; Last-Modified is the same.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from collections import OrderedDict
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import anyio.to_thread

from rehabplan.server.plans import CHECKIN_PLACEHOLDER
from rehabplan.store import FeedHead, Store
from rehabplan.tokens import checkin_token, token_hash

PREFIX = "/feeds/"
SUFFIX = ".ics"
MAX_TOKEN_CHARS = 128
CACHE_ENTRIES = 256
FOLD_OCTETS = 75

NOT_FOUND_BODY = b"Not found.\n"
GZIP_LEVEL = 6
_HOST = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
"""What a Host header may be: a DNS name or IPv4 address, or an IPv6 literal, and a port."""
_COMMON = [
    (b"cache-control", b"private, max-age=0, must-revalidate"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def unfold_fold_replace(ics: bytes, needle: bytes, replacement: bytes) -> bytes:
    """Replace ``needle`` in an iCalendar stream, even where a line fold split it.

    Folding (RFC 5545 §3.1) is purely syntactic, so the stream is unfolded, the text
    replaced, and every line folded again at 75 octets without cutting a UTF-8 character.
    """
    unfolded = ics.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    if needle not in unfolded:
        return ics
    lines = unfolded.replace(needle, replacement).split(b"\r\n")
    return b"\r\n".join(_fold(line) for line in lines)


def ical_text(value: str) -> bytes:
    """``value`` escaped as an RFC 5545 TEXT value (§3.3.11), for text spliced into a stream."""
    escaped = (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )  # fmt: skip
    return escaped.encode("utf-8")


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` and ``*;q=0`` do not)."""
    if not header:
        return False
    star = None
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, val = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        name = name.strip().lower()
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q > 0
    return bool(star)


def _fold(line: bytes) -> bytes:
    if len(line) <= FOLD_OCTETS:
        return line
    parts = []
    limit = FOLD_OCTETS
    while len(line) > limit:
        cut = limit
        while cut > 1 and (line[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        parts.append(line[:cut])
        line = line[cut:]
        limit = FOLD_OCTETS - 1  # continuation lines start with one space
    parts.append(line)
    return b"\r\n ".join(parts)


def http_date(stamp: dt.datetime) -> str:
    return format_datetime(stamp.replace(tzinfo=dt.UTC), usegmt=True)


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored."""
    if header.strip() == "*":
        return True
    tags = [part.strip().removeprefix("W/") for part in header.split(",")]
    return etag in tags


def _not_modified_since(header: str, updated_at: dt.datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return updated_at.replace(tzinfo=dt.UTC) <= since


class FeedApp:
    """The feed endpoint as a bare ASGI app over a :class:`Store`."""

    def __init__(self, store: Store, base_url: str | None = None):
        self.store = store
        self.base_url = base_url.rstrip("/") if base_url else None
        self._cache: OrderedDict[tuple[int, str, str], _Entry] = OrderedDict()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send(send, 405, [(b"allow", b"GET, HEAD")], b"Method not allowed.\n", True)
            return
        path: str = scope["path"]
        token = path[len(PREFIX) : -len(SUFFIX)] if path.endswith(SUFFIX) else ""
        # Same lookup for every request, whatever the token looks like: constant work.
        digest = token_hash(token[:MAX_TOKEN_CHARS])
        head = await self._run(self.store.feed_head, digest)
        if head is None or not token or len(token) > MAX_TOKEN_CHARS:
            await _send(send, 404, [(b"cache-control", b"no-store")], NOT_FOUND_BODY, True,
                        method == "HEAD")  # fmt: skip
            return
        inm = ims = host = encodings = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                inm = value.decode("latin-1")
            elif name == b"if-modified-since":
                ims = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
            elif name == b"accept-encoding":
                encodings = value.decode("latin-1")
        base = self.base_url or _base_from(scope, host)
        entry = await self._body(head, base, token, digest)
        if entry is None:  # a new version landed between the two reads: serve that one
            head = await self._run(self.store.feed_head, digest)
            entry = await self._body(head, base, token, digest) if head is not None else None
            if entry is None:
                await _send(send, 404, [(b"cache-control", b"no-store")], NOT_FOUND_BODY, True,
                            method == "HEAD")  # fmt: skip
                return
        if accepts_gzip(encodings):
            body, etag, validators = entry.gzipped()
            encoding = [(b"content-encoding", b"gzip")]
        else:
            body, etag, validators = entry.body, entry.etag, entry.validators
            encoding = []
        if (inm is not None and _etag_matches(inm, etag)) or (
            inm is None and ims is not None and _not_modified_since(ims, head.updated_at)
        ):
            await _send(send, 304, validators, b"", False)
            return
        await _send(
            send,
            200,
            [(b"content-type", b"text/calendar; charset=utf-8"), *encoding, *validators],
            body,
            False,
            method == "HEAD",
        )

    async def _run(self, func: Any, *args: Any) -> Any:
        # SQLite reads by index take microseconds: a thread hop would cost more than it saves.
        if self.store.sqlite:
            return func(*args)
        return await anyio.to_thread.run_sync(func, *args)

    async def _body(self, head: FeedHead, base: str, token: str, digest: str) -> _Entry | None:
        key = (head.plan_id, base, digest)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        stored = await self._run(self.store.feed_body, head.plan_id)
        if stored is None:
            return None
        # The placeholder sits in DESCRIPTION text: the link goes in escaped as TEXT, so no
        # Host header can add a property, a parameter or a line to the calendar.
        link = ical_text(f"{base}/c/{checkin_token(token)}")
        body = unfold_fold_replace(stored, ical_text(CHECKIN_PLACEHOLDER), link)
        entry = _Entry(body, hashlib.sha256(body).hexdigest(), head.updated_at)
        self._cache[key] = entry
        if len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return entry


class _Entry:
    """One feed body as served, its validators, and its gzipped form (made on first use)."""

    __slots__ = ("_gzipped", "body", "etag", "validators")

    def __init__(self, body: bytes, digest: str, updated_at: dt.datetime):
        self.body = body
        self.etag = f'"{digest}"'
        modified = (b"last-modified", http_date(updated_at).encode())
        self.validators = [(b"etag", self.etag.encode()), modified, _VARY, *_COMMON]
        self._gzipped: tuple[bytes, str, list[tuple[bytes, bytes]]] | None = None

    def gzipped(self) -> tuple[bytes, str, list[tuple[bytes, bytes]]]:
        if self._gzipped is None:
            data = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
            etag = f'"{hashlib.sha256(data).hexdigest()}"'
            validators = [(b"etag", etag.encode()), *self.validators[1:]]
            self._gzipped = (data, etag, validators)
        return self._gzipped


_VARY = (b"vary", b"accept-encoding")


def _base_from(scope: dict[str, Any], host: str | None) -> str:
    if host and not _HOST.match(host):
        host = None  # not a host name: never let it into a link
    if not host:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def _send(
    send: Any,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    plain: bool,
    head_only: bool = False,
) -> None:
    if plain:
        headers = [(b"content-type", b"text/plain; charset=utf-8"), *headers]
    if status != 304:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only or status == 304 else body})
