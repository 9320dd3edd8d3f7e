"""The feed over HTTP: gzip with right validators, the check-in link escaped, DTSTAMP.

Real plans from the real planner, stored as the server stores them, served by a real
server on loopback.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from email.utils import parsedate_to_datetime

import httpx
import icalendar
import pytest

from rehabplan.server.feeds import accepts_gzip, ical_text
from rehabplan.server.plans import Core, create_patient
from rehabplan.store import open_store
from tests.server.helpers import EXAMPLES, add_user, start_server, stop_server


@pytest.fixture(scope="module")
def store(live_server):
    s = open_store(live_server.db_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def core():
    return Core.default()


def _feed(store, core, patient_id: str) -> tuple[str, dt.datetime]:
    """A patient with a real plan; the feed path and the version's time."""
    from rehabplan.profile_io import read_profile

    profile = read_profile(EXAMPLES / "maria-pes-anserine.yaml")
    profile = profile.model_copy(update={"patient_id": patient_id})
    pk, outcome = create_patient(store, profile, core, owner_id=None, include_details=False)
    stamp = store.current_version(pk).updated_at.replace(tzinfo=dt.UTC)
    return f"/feeds/{outcome.feed_token}.ics", stamp


def _raw(client: httpx.Client, path: str, **headers) -> httpx.Response:
    """A GET whose body is the bytes on the wire (not decompressed)."""
    with client.stream("GET", path, headers=headers) as r:
        r.raw_body = b"".join(r.iter_raw())
    return r


def test_gzip_when_asked_with_its_own_validators(live_server, store, core):
    path, _ = _feed(store, core, "GZ-1")
    with live_server.client() as client:
        plain = _raw(client, path, **{"Accept-Encoding": "identity"})
        packed = _raw(client, path, **{"Accept-Encoding": "gzip, deflate"})
        assert plain.status_code == packed.status_code == 200
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert plain.headers["vary"].lower() == packed.headers["vary"].lower() == "accept-encoding"
        assert gzip.decompress(packed.raw_body) == plain.raw_body
        assert int(packed.headers["content-length"]) == len(packed.raw_body)
        assert len(plain.raw_body) / len(packed.raw_body) > 5, "a feed compresses well"
        assert packed.headers["etag"] == '"' + hashlib.sha256(packed.raw_body).hexdigest() + '"'
        assert plain.headers["etag"] == '"' + hashlib.sha256(plain.raw_body).hexdigest() + '"'
        assert packed.headers["last-modified"] == plain.headers["last-modified"]

        # Each representation revalidates with its own ETag; the other's is not a match.
        again = _raw(client, path, **{"Accept-Encoding": "gzip",
                                      "If-None-Match": packed.headers["etag"]})  # fmt: skip
        assert again.status_code == 304 and again.raw_body == b""
        assert again.headers["etag"] == packed.headers["etag"]
        other = _raw(client, path, **{"Accept-Encoding": "identity",
                                      "If-None-Match": packed.headers["etag"]})  # fmt: skip
        assert other.status_code == 200 and other.raw_body == plain.raw_body
        modified = packed.headers["last-modified"]
        since = _raw(client, path, **{"Accept-Encoding": "gzip", "If-Modified-Since": modified})
        assert since.status_code == 304
        head = client.head(path, headers={"Accept-Encoding": "gzip"})
        assert head.headers["content-length"] == packed.headers["content-length"]
        assert head.headers["etag"] == packed.headers["etag"]


@pytest.mark.parametrize(
    ("header", "gzipped"),
    [("gzip", True), ("GZIP;q=0.5", True), ("br, gzip;q=1.0", True), ("*", True),
     ("gzip;q=0", False), ("*;q=0", False), ("identity", False), ("deflate, br", False),
     ("", False), ("gzip;q=0, *", False), ("x-gzip", True)],
)  # fmt: skip
def test_accept_encoding_is_read_with_its_weights(header, gzipped):
    assert accepts_gzip(header) is gzipped


def test_the_feed_is_stamped_when_its_version_was_made(live_server, store, core):
    began = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path, stamp = _feed(store, core, "STAMP-1")
    with live_server.client() as client:
        first = client.get(path)
        second = client.get(path)
    assert first.content == second.content, "the same version is the same bytes"
    stamps = {e.decoded("DTSTAMP") for e in icalendar.Calendar.from_ical(first.content)
              .walk("VEVENT")}  # fmt: skip
    assert len(stamps) == 1
    made = stamps.pop()
    assert began <= made <= stamp <= parsedate_to_datetime(first.headers["last-modified"])


def test_a_crafted_host_header_never_reaches_the_calendar(live_server, store, core):
    path, _ = _feed(store, core, "HOST-1")
    with live_server.client() as client:
        r = client.get(path, headers={"Host": "evil.example;ATTACH=x,y"})
    assert r.status_code == 200
    text = r.content.replace(b"\r\n ", b"").decode("utf-8")
    assert "evil" not in text
    port = live_server.url.rsplit(":", 1)[1]
    events = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    timed = [e for e in events if "/c/" in str(e.get("DESCRIPTION", ""))]
    assert timed and all(f"http://127.0.0.1:{port}/c/" in str(e["DESCRIPTION"]) for e in timed)
    assert not any("ATTACH" in e for e in events)


def test_the_check_in_link_is_escaped_as_text(tmp_path_factory):
    """A base URL with a comma and a semicolon reaches DESCRIPTION escaped (RFC 5545
    §3.3.11), and a reader gets the link back exactly."""
    folder = tmp_path_factory.mktemp("base-url")
    db = f"sqlite:///{folder / 'rehabplan.db'}"
    add_user(db)
    base = "https://rehab.example/north,east;clinic"
    server = start_server(db, folder / "server.log", env={"REHABPLAN_BASE_URL": base})
    try:
        s = open_store(db)
        path, _ = _feed(s, Core.default(), "ESC-1")
        s.close()
        with server.client() as client:
            r = client.get(path)
    finally:
        stop_server(server)
    text = r.content.replace(b"\r\n ", b"").decode("utf-8")
    assert "north\\,east\\;clinic/c/" in text and "north,east;clinic" not in text
    event = next(e for e in icalendar.Calendar.from_ical(r.content).walk("VEVENT")
                 if "/c/" in str(e.get("DESCRIPTION", "")))  # fmt: skip
    import vobject

    parsed = {e.uid.value: e for e in vobject.readOne(r.content.decode()).vevent_list}
    assert f"{base}/c/" in parsed[str(event["UID"])].description.value


def test_text_escaping_of_spliced_values():
    assert ical_text("a\\b;c,d\ne\r\nf") == b"a\\\\b\\;c\\,d\\ne\\nf"


def test_two_clinics_with_the_same_pseudonym_share_no_event(tmp_path, core):
    """Two servers (two clinics) each create patient P-0042 from the same profile: the two
    feeds have no UID in common, so a runner who subscribes to both sees both."""
    from rehabplan.profile_io import read_profile
    from rehabplan.server.plans import load_plan

    profile = read_profile(EXAMPLES / "maria-pes-anserine.yaml")
    uids = []
    for clinic in ("north", "south"):
        s = open_store(f"sqlite:///{tmp_path / clinic}.db")
        pk, _ = create_patient(s, profile, core, owner_id=None, include_details=False)
        version = s.current_version(pk)
        calendar = icalendar.Calendar.from_ical(version.ics)
        uids.append({str(e["UID"]) for e in calendar.walk("VEVENT")})
        assert load_plan(version).episode_key
        s.close()
    assert len(uids[0]) == len(uids[1]) > 100
    assert not uids[0] & uids[1]
