"""Secret tokens in feed and check-in URLs.

A calendar client can only send a plain GET, so the credential is the URL itself: 32 random
bytes (256 bits) from ``secrets``, URL-safe base64 (43 characters). The database keeps only
the SHA-256 of a token, and a request is matched by looking that hash up in a unique index:
no secret is ever compared byte by byte in Python, so response time says nothing about how
close a guess was, and a stolen database cannot be turned back into working links.

The check-in token is derived from the feed token with HMAC-SHA256. Whoever holds the feed
URL can therefore rebuild the check-in link (the server does exactly that when it serves a
feed, so each event can carry its check-in link without the link being stored anywhere),
while the check-in link does not reveal the feed URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database stores and looks up: hex SHA-256 of the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def checkin_token(feed_token: str) -> str:
    """The check-in token that belongs to ``feed_token`` (same length and alphabet)."""
    digest = hmac.new(feed_token.encode("ascii"), b"rehabplan check-in link", "sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def well_formed(token: str) -> bool:
    """Cheap shape check, so junk is refused without a database round trip."""
    return bool(TOKEN_PATTERN.match(token))


def new_episode_key() -> str:
    """The secret of a new plan episode (128 random bits, hex): calendar UIDs derive from it.

    Made here, at the edge, when an episode begins; the planner only ever receives it.
    """
    return secrets.token_hex(16)
