"""A runner's check-ins change the subscribed calendar the way calendar clients need.

Real plans, a real server, and two independent iCalendar parsers (icalendar and vobject,
plus recurring-ical-events for "what is on the calendar in the next weeks").
"""

from __future__ import annotations

import datetime as dt
import json
import re

import icalendar
import pytest
import recurring_ical_events
import vobject

from tests.server.helpers import (
    create_patient,
    csrf_of,
    form_fields,
    profile_data,
    report_session,
)


def _events(ics: bytes) -> dict[str, dict]:
    """UID → start, SEQUENCE, SUMMARY and everything else about the event (its content)."""
    cal = icalendar.Calendar.from_ical(ics)
    out = {}
    for event in cal.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in out, f"duplicate UID {uid}"
        lines = event.to_ical().replace(b"\r\n ", b"").split(b"\r\n")
        out[uid] = {
            "start": event.decoded("DTSTART"),
            "sequence": int(event.get("SEQUENCE", 0)),
            "summary": str(event.get("SUMMARY")),
            "cancelled": str(event.get("STATUS", "")) == "CANCELLED",
            "content": [x for x in lines if not x.startswith((b"SEQUENCE", b"DTSTAMP"))],
        }
    return out


def _assert_withdrawn(old: dict, new: dict, today: dt.date) -> None:
    """Every event of ``old`` from ``today`` on is cancelled in ``new``, one SEQUENCE up."""
    ahead = {uid: e for uid, e in old.items() if _day(e["start"]) >= today}
    assert ahead
    for uid, event in ahead.items():
        assert new[uid]["cancelled"], f"{uid} is still on in the calendar"
        assert new[uid]["sequence"] == event["sequence"] + 1
        assert new[uid]["start"] == event["start"], "a cancellation names the same time"


def _vobject_uids(ics: bytes) -> set[str]:
    cal = vobject.readOne(ics.decode("utf-8"))
    return {ev.uid.value for ev in cal.vevent_list}


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.fixture(scope="module")
def runner(live_server):
    clinician = live_server.login()
    links = create_patient(clinician, profile_data(patient_id="FLOW-1"))
    yield clinician, links
    clinician.close()


def test_the_feed_is_neutral_by_default_and_links_to_check_ins(live_server, runner):
    _, links = runner
    with live_server.client() as client:
        r = client.get(links["feed"])
    assert r.status_code == 200
    text = r.content.replace(b"\r\n ", b"").decode("utf-8")
    for private in ("María", "Núñez", "anserine", "bursitis"):
        assert private not in text
    assert links["checkin"] in text, "events should carry the runner's check-in link"
    assert links["webcal"] == "webcal://" + links["feed"].removeprefix("http://")
    assert _vobject_uids(r.content) == set(_events(r.content))


def test_a_painful_session_replans_the_rest_with_stable_uids(live_server, runner):
    _, links = runner
    today = dt.datetime.now(dt.UTC).date()
    with live_server.client() as client:
        before = client.get(links["feed"])
        # Pain above 5/10 in a strength session: step back (repeat the earlier strength week).
        page = report_session(client, links["checkin"], "strength", pain_during="7")
        after = client.get(links["feed"], headers={"If-None-Match": before.headers["etag"]})
    assert "go back one step" in page
    assert after.status_code == 200, "the check-in must change the feed"
    assert after.headers["etag"] != before.headers["etag"]
    old, new = _events(before.content), _events(after.content)
    kept = set(old) & set(new)
    assert kept, "re-planning must keep the UIDs of sessions that still exist"
    changed = 0
    for uid in kept:
        o, n = old[uid], new[uid]
        if o["content"] != n["content"]:
            assert n["sequence"] > o["sequence"], f"{uid} changed without a higher SEQUENCE"
            assert _day(n["start"]) >= today, "sessions before today must not move"
            changed += 1
        else:
            assert n["sequence"] >= o["sequence"]
    assert changed > 0
    for uid, event in old.items():
        if _day(event["start"]) < today:
            assert uid in new, "past sessions stay in the calendar"
            assert new[uid]["content"] == event["content"], "and stay exactly as they were"
    assert _vobject_uids(after.content) == set(new)
    cal = icalendar.Calendar.from_ical(after.content)
    upcoming = recurring_ical_events.of(cal).between(today, today + dt.timedelta(days=42))
    assert {str(e["UID"]) for e in upcoming} <= set(new)


def test_a_red_flag_stops_the_plan_and_empties_the_future(live_server, runner):
    clinician, links = runner
    today = dt.datetime.now(dt.UTC).date()
    with live_server.client() as client:
        before = client.get(links["feed"])
        page = report_session(client, links["checkin"], pain_during="3", red_flags="instability")
        after = client.get(links["feed"])
        again = client.get(links["checkin"])
    assert "Whom to see" in page and "sports-medicine" in page
    old, new = _events(before.content), _events(after.content)
    future = [e for e in new.values() if _day(e["start"]) >= today and not e["cancelled"]]
    assert len(future) == 1 and "clinician" in future[0]["summary"].lower()
    assert future[0]["summary"] == "Programme paused: contact your clinician"
    _assert_withdrawn(old, new, today)
    assert all(uid in old for uid, e in new.items() if _day(e["start"]) < today)
    assert "paused" in again.text
    detail = clinician.get("/patients/FLOW-1")
    assert "stopped" in detail.text and "instability" in detail.text


def test_rotating_links_kills_the_old_feed_and_check_in_page(live_server):
    clinician = live_server.login()
    links = create_patient(clinician, profile_data(patient_id="FLOW-2"))
    csrf = csrf_of(clinician.get("/patients/FLOW-2").text)
    rotated = clinician.post("/patients/FLOW-2/links", data={"csrf_token": csrf})
    assert rotated.status_code == 200
    new_feed = re.search(r'id="feed-url"[^>]*value="([^"]+)"', rotated.text).group(1)
    with live_server.client() as client:
        assert client.get(links["feed"]).status_code == 404
        assert client.get(links["checkin"]).status_code == 404
        assert client.get(new_feed).status_code == 200
        csrf = csrf_of(clinician.get("/patients/FLOW-2").text)
        clinician.post("/patients/FLOW-2/revoke", data={"csrf_token": csrf})
        assert client.get(new_feed).status_code == 404
    clinician.close()


def test_clinician_sees_check_ins_as_a_chart_and_a_table(live_server):
    clinician = live_server.login()
    links = create_patient(clinician, profile_data(patient_id="FLOW-3"))
    with live_server.client() as client:
        report_session(client, links["checkin"], pain_during="2", pain_next_morning="1")
    page = clinician.get("/patients/FLOW-3").text
    assert 'role="img"' in page and "<svg" in page
    assert re.search(r"during 2 next morning 1", page), "the chart has a text description"
    assert "<td>2</td>" in page and "<td>1</td>" in page
    pdf = clinician.get("/patients/FLOW-3/handout.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    clinician.close()


def test_name_and_diagnosis_reach_the_feed_only_when_the_clinician_opts_in(live_server):
    clinician = live_server.login()
    data = profile_data(patient_id="FLOW-4", name="Zoë Ångström")
    links = create_patient(clinician, data)
    with live_server.client() as client:
        neutral = client.get(links["feed"]).content.replace(b"\r\n ", b"").decode()
        assert "Zoë" not in neutral and "Ångström" not in neutral
        edit = clinician.get("/patients/FLOW-4/edit").text
        fields = {**form_fields(data), "csrf_token": csrf_of(edit), "ics_include_details": "on"}
        saved = clinician.post("/patients/FLOW-4/edit", data=fields)
        assert saved.status_code == 303
        detailed = client.get(links["feed"]).content.replace(b"\r\n ", b"").decode()
    assert "Zoë Ångström" in detailed
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(detailed).walk("VEVENT")]
    assert all("Zoë Ångström" in s for s in summaries)
    clinician.close()


def test_a_referral_at_re_generation_pauses_the_subscribed_calendar(live_server):
    clinician = live_server.login()
    data = profile_data(patient_id="FLOW-5")
    links = create_patient(clinician, data)
    today = dt.datetime.now(dt.UTC).date()
    edit = clinician.get("/patients/FLOW-5/edit").text
    fields = {**form_fields({**data, "red_flags": {"locking": True}}), "csrf_token": csrf_of(edit)}
    assert clinician.post("/patients/FLOW-5/edit", data=fields).status_code == 303
    with live_server.client() as client:
        feed = client.get(links["feed"])
        closed = client.get(links["checkin"])
    assert feed.status_code == 200
    events = _events(feed.content)
    future = [e for e in events.values() if _day(e["start"]) >= today and not e["cancelled"]]
    assert len(future) == 1 and "clinician" in future[0]["summary"].lower()
    assert "paused" in closed.text
    assert "referred" in clinician.get("/patients/FLOW-5").text
    clinician.close()


def test_simultaneous_check_ins_are_all_kept(live_server):
    from concurrent.futures import ThreadPoolExecutor

    from rehabplan.store import open_store

    clinician = live_server.login()
    links = create_patient(clinician, profile_data(patient_id="FLOW-6"))
    clinician.close()

    def one(pain: int) -> str:
        with live_server.client() as client:
            return report_session(client, links["checkin"], "", pain_during=str(pain))

    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(one, [1, 2, 3, 4]))
    assert all("Thank you" in page for page in pages)
    store = open_store(live_server.db_url)
    pk = store.patient("FLOW-6").id
    rows = store.checkins(pk)
    versions = [v.version for v in store.versions(pk)]
    store.close()
    assert sorted(json.loads(r.data_json)["pain_during"] for r in rows) == [1, 2, 3, 4]
    assert versions == [1, 2, 3, 4, 5], "each check-in made exactly one new version"


def test_a_bad_check_in_is_explained_in_the_runners_words(live_server):
    clinician = live_server.login()
    url = create_patient(clinician, profile_data(patient_id="FLOW-WORDS"))["checkin"]
    clinician.close()
    with live_server.client() as client:
        page = client.get(url).text
        key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
        uid = re.search(r'name="session" value="([^"]+)"', page).group(1)
        r = client.post(url, data={"form_key": key, "session": uid, "status": "",
                                   "pain_during": "abc"})  # fmt: skip
    assert r.status_code == 422
    assert "Choose whether you did the session or skipped it." in r.text
    assert "Pain during the session: must be a whole number" in r.text
    assert "check-in:" not in r.text and "pain_during:" not in r.text
