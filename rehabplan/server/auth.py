"""Clinician log-in: argon2 password hashes, a signed session cookie, CSRF tokens.

* Passwords are hashed with argon2id (argon2-cffi defaults). An unknown user name costs the
  same hash verification as a wrong password, so timing does not reveal which accounts exist.
* The session is Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS). Its
  key comes from ``REHABPLAN_SECRET_KEY`` or is generated once and kept in the database, so
  every server process accepts every other process's cookies.
* Every POST form carries a per-session CSRF token, compared in constant time.
* Failed log-ins are rate limited per client address and user name (per process: a
  brute-force attempt spread over N processes gets at most N times the allowance).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.requests import Request

from rehabplan.store import Store

SESSION_MAX_AGE = 12 * 60 * 60
CSRF_FIELD = "csrf_token"
MIN_PASSWORD = 10
FAILURES_ALLOWED = 5
FAILURE_WINDOW_S = 300

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class PasswordTooShort(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PasswordTooShort(f"the password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def check_password(store: Store, username: str, password: str) -> Any | None:
    """The user row when ``password`` is right, else None (same work either way)."""
    user = store.user_by_name(username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        store.set_password(username, _hasher.hash(password))
    return user


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted) and hmac.compare_digest(
        str(expected).encode(), str(submitted).encode()
    )


def log_in(request: Request, user: Any) -> None:
    """Start a fresh session (new CSRF token) so a pre-login session cannot be fixed."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["epoch"] = user.session_epoch
    request.session["csrf"] = secrets.token_urlsafe(32)


def log_out(request: Request, store: Store, user: Any) -> None:
    """End this session and every other copy of it: the cookie is signed, not stored, so
    clearing the browser's copy alone would leave a copied cookie valid for hours."""
    store.end_sessions(user.id)
    request.session.clear()


def current_user(request: Request, store: Store) -> Any | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = store.user_by_id(uid)
    if user is None or request.session.get("epoch") != user.session_epoch:
        return None  # logged out, or the password changed since this cookie was issued
    return user


class LoginLimiter:
    """At most ``FAILURES_ALLOWED`` failed log-ins per (address, user) per window."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window_s: float = FAILURE_WINDOW_S):
        self.allowed = allowed
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        stamps = self._failures[key]
        cutoff = time.monotonic() - self.window_s
        while stamps and stamps[0] < cutoff:
            stamps.popleft()
        return stamps

    def blocked(self, address: str, username: str) -> bool:
        return len(self._recent((address, username.lower()))) >= self.allowed

    def failed(self, address: str, username: str) -> None:
        self._recent((address, username.lower())).append(time.monotonic())

    def succeeded(self, address: str, username: str) -> None:
        self._failures.pop((address, username.lower()), None)
