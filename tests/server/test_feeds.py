"""Calendar feeds over HTTP against a real server: validators, 304s, HEAD, revocation.

These tests store hand-made calendar bytes, so they check the serving rules on their own;
test_checkin_flow.py checks real plans end to end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest

from rehabplan.server.plans import CHECKIN_PLACEHOLDER, issue_links
from rehabplan.store import NewVersion, open_store
from rehabplan.tokens import checkin_token


def _calendar(summary: str, link: str = CHECKIN_PLACEHOLDER) -> bytes:
    """A small calendar whose DESCRIPTION line is long enough to be folded mid-link."""
    description = f"DESCRIPTION:Log how it went here: {link} (takes one minute)"
    folded = [description[:75]]
    rest = description[75:]
    while rest:
        folded.append(" " + rest[:74])
        rest = rest[74:]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rehabplan test//EN",
        "BEGIN:VEVENT",
        "UID:a1@rehabplan",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260105T070000Z",
        "DTEND:20260105T073000Z",
        f"SUMMARY:{summary}",
        *folded,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture(scope="module")
def store(live_server):
    s = open_store(live_server.db_url)
    yield s
    s.close()


def _patient(store, name: str, ics: bytes) -> tuple[int, str]:
    pk = store.create_patient(
        name,
        "{}",
        NewVersion("active", plan_json="{}", ics=ics, decision="created"),
        owner_id=None,
        include_details=False,
    )
    return pk, issue_links(store, pk)


def test_feed_is_served_with_strong_validators_and_its_check_in_link(live_server, store):
    pk, token = _patient(store, "F-1", _calendar("Strength session"))
    with live_server.client(headers={"Accept-Encoding": "identity"}) as client:
        r = client.get(f"/feeds/{token}.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["etag"] == '"' + hashlib.sha256(r.content).hexdigest() + '"'
    stored = store.current_version(pk).updated_at.replace(tzinfo=dt.UTC)
    assert parsedate_to_datetime(r.headers["last-modified"]) == stored
    assert "max-age" in r.headers["cache-control"] and "private" in r.headers["cache-control"]
    unfolded = r.content.replace(b"\r\n ", b"")
    assert f"{live_server.url}/c/{checkin_token(token)} (takes one minute)".encode() in unfolded
    assert CHECKIN_PLACEHOLDER.encode() not in unfolded
    assert all(len(line) <= 75 for line in r.content.split(b"\r\n")), "lines must stay folded"

    import icalendar

    event = icalendar.Calendar.from_ical(r.content).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]).startswith("Log how it went here: http://127.0.0.1")


def test_conditional_requests_get_304_and_changes_get_200(live_server, store):
    pk, token = _patient(store, "F-2", _calendar("Mobility session"))
    path = f"/feeds/{token}.ics"
    with live_server.client() as client:
        first = client.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        for headers in (
            {"If-None-Match": etag},
            {"If-None-Match": f'"nope", W/{etag}'},
            {"If-Modified-Since": modified},
            {"If-Modified-Since": format_datetime(dt.datetime.now(dt.UTC), usegmt=True)},
        ):
            r = client.get(path, headers=headers)
            assert r.status_code == 304, headers
            assert r.content == b""
            assert r.headers["etag"] == etag
        earlier = parsedate_to_datetime(modified) - dt.timedelta(seconds=1)
        since = {"If-Modified-Since": format_datetime(earlier, usegmt=True)}
        assert client.get(path, headers=since).status_code == 200
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
        both = client.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
        assert both.status_code == 200

        store.save_version(pk, 1, NewVersion("active", plan_json="{}", ics=_calendar("Changed")))
        changed = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200
    assert b"SUMMARY:Changed" in changed.content
    assert changed.headers["etag"] != etag
    assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(modified)


def test_head_has_the_headers_of_get_and_no_body(live_server, store):
    _, token = _patient(store, "F-3", _calendar("Run/walk"))
    with live_server.client(headers={"Accept-Encoding": "identity"}) as client:
        get = client.get(f"/feeds/{token}.ics")
        head = client.head(f"/feeds/{token}.ics")
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "last-modified", "content-type", "content-length"):
        assert head.headers[name] == get.headers[name]
    assert int(head.headers["content-length"]) == len(get.content)


def test_revoked_rotated_and_unknown_tokens_all_get_the_same_404(live_server, store):
    pk, token = _patient(store, "F-4", _calendar("Recovery"))
    with live_server.client() as client:
        assert client.get(f"/feeds/{token}.ics").status_code == 200
        new = issue_links(store, pk)  # rotation: the old link dies at once
        rotated = client.get(f"/feeds/{token}.ics")
        assert client.get(f"/feeds/{new}.ics").status_code == 200
        store.revoke_tokens(pk)
        revoked = client.get(f"/feeds/{new}.ics")
        unknown = [client.get(f"/feeds/{secrets.token_urlsafe(32)}.ics") for _ in range(20)]
        odd = [
            client.get(p)
            for p in (
                "/feeds/.ics",
                "/feeds/x",
                "/feeds/" + "a" * 500 + ".ics",
                "/feeds/%00.ics",
                f"/feeds/{new[:-1]}.ics",
            )
        ]
        checkin_as_feed = client.get(f"/feeds/{checkin_token(token)}.ics")
    for r in [rotated, revoked, *unknown, *odd, checkin_as_feed]:
        assert r.status_code == 404
        assert r.content == revoked.content
        assert r.headers["content-type"] == revoked.headers["content-type"]
        assert "etag" not in r.headers


def test_tokens_are_long_random_and_stored_only_as_hashes(live_server, store):
    tokens = [_patient(store, f"F-5-{i}", _calendar("x"))[1] for i in range(3)]
    for token in tokens:
        assert len(token) >= 43  # 32 random bytes = 256 bits, base64url
    assert len(set(tokens)) == len(tokens)
    db_file = Path(live_server.db_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    for token in tokens:
        assert token.encode() not in raw
        assert checkin_token(token).encode() not in raw
        assert hashlib.sha256(token.encode()).hexdigest().encode() in raw


def test_tokens_never_reach_the_server_log(live_server, store):
    _, token = _patient(store, "F-6", _calendar("x"))
    with live_server.client() as client:
        client.get(f"/feeds/{token}.ics")
        other = secrets.token_urlsafe(32)
        client.get(f"/c/{other}")
    log = live_server.log.read_text(errors="replace")
    assert "/feeds/" in log and "/c/" in log, "the access log should still record requests"
    assert token not in log and other not in log
