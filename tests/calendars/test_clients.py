"""khal and Radicale, driven as a runner's calendar would be, over plans that change.

A file import never deletes: ``khal import`` and a CalDAV PUT of each event add new UIDs and
update known ones. So after a stop or a shorter plan, the sessions that went away must
come back in the new file as cancelled events with a higher SEQUENCE. A subscription
refresh (a whole-calendar PUT) replaces the calendar. Both must leave nothing to train on
after a stop, and both must place every session at its instant from the embedded zone.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import yaml

from rehabplan.export.ics import plan_to_ics
from rehabplan.pipeline import ExportOptions
from rehabplan.progression import PAUSE_TITLE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
UTC = dt.UTC


def _plan_json(out: Path) -> dict:
    return json.loads((out / "plan.json").read_text("utf-8"))


def _utc(plan: dict, session: dict) -> dt.datetime:
    wall = dt.datetime.fromisoformat(f"{session['date']}T{session['start_time']}")
    return wall.replace(tzinfo=ZoneInfo(plan["timezone"])).astimezone(UTC)


def _khal_start(event: dict) -> dt.datetime | dt.date:
    text = event["start"]
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


# -- khal -----------------------------------------------------------------------------------


def test_khal_after_a_stop_lists_nothing_to_train_on(run_cli, khal, tmp_path):
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    first = _plan_json(out)
    khal.import_file(out / "plan.ics")
    span = (first["start_date"], (dt.date.fromisoformat(first["end_date"]) +
                                  dt.timedelta(days=2)).isoformat())  # fmt: skip
    before = khal.events(*span)
    assert len(before) == len(first["sessions"]) + len(first["phases"])

    done = first["sessions"][3]
    r = run_cli("checkin", profile, "--out", out, "--date", done["date"], "--status", "done",
                "--pain-during", "2")  # fmt: skip
    assert r.returncode == 0, r.stderr
    khal.import_file(out / "plan.ics")
    flagged = first["sessions"][5]
    r = run_cli("checkin", profile, "--out", out, "--date", flagged["date"], "--status", "done",
                "--red-flag", "swelling_warmth_redness")  # fmt: skip
    assert r.returncode == 3, r.stderr
    khal.import_file(out / "plan.ics")

    stop = dt.date.fromisoformat(flagged["date"]) + dt.timedelta(days=1)
    after = khal.events(*span)
    assert len({e["uid"] for e in after}) == len(after), "no event twice"
    assert len(after) == khal.files() == len(before) + 1, "the pause event is the one new one"
    ahead = [e for e in after if (d := _khal_start(e)) and
             (d.date() if isinstance(d, dt.datetime) else d) >= stop]  # fmt: skip
    active = [e for e in ahead if e["status"] != "CANCELLED"]
    assert [e["title"] for e in active] == [PAUSE_TITLE]
    removed = {s["uid"] for s in first["sessions"] if dt.date.fromisoformat(s["date"]) >= stop}
    removed |= {p["uid"] for p in first["phases"] if dt.date.fromisoformat(p["start"]) >= stop}
    assert removed and {e["uid"] for e in ahead if e["status"] == "CANCELLED"} == removed
    kept = {e["uid"]: e for e in before if e["uid"] not in removed}
    assert all(e["status"] == "" and kept[e["uid"]] == e for e in after if e["uid"] in kept)
    stopped = _plan_json(out)
    text = (out / "plan.ics").read_bytes().decode().replace("\r\n ", "")
    assert f"SUMMARY:{PAUSE_TITLE}" in text
    assert {c["uid"] for c in stopped["cancelled"]} == removed


def test_khal_after_a_shorter_plan(run_cli, khal, tmp_path):
    """A re-plan with a lower running goal ends weeks earlier: khal keeps no orphan."""
    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text("utf-8"))
    profile = tmp_path / "maria.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    long = _plan_json(out)
    khal.import_file(out / "plan.ics")
    data["goal_weekly_km"] = 10
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    short = _plan_json(out)
    assert short["end_date"] < long["end_date"] and short["plan_id"] == long["plan_id"]
    khal.import_file(out / "plan.ics")
    events = khal.events(long["start_date"], long["end_date"])
    gone = {s["uid"] for s in long["sessions"]} - {s["uid"] for s in short["sessions"]}
    assert len(gone) >= 10
    status = {e["uid"]: e["status"] for e in events}
    assert {uid for uid, st in status.items() if st == "CANCELLED"} == gone
    assert len(events) == len(long["sessions"]) + len(long["phases"]), "nothing duplicated"


def test_khal_places_sessions_from_the_embedded_zone(khal, cal, tmp_path):
    """Mexico City from November 2022 (after its last change) and Khartoum from September
    2017 (before its move to UTC+2), under a TZID khal cannot look up."""
    for example, zone, start in (
        ("francois-meniscus-berlin", "America/Mexico_City", dt.date(2022, 11, 7)),
        ("francois-meniscus-berlin", "Africa/Khartoum", dt.date(2017, 9, 4)),
    ):
        plan = cal.plan_for(example, timezone=zone, start_date=start, episode_key=zone)
        ics, _ = cal.renamed_tzid(plan_to_ics(plan, ExportOptions()), zone)
        path = tmp_path / f"{zone.replace('/', '-')}.ics"
        path.write_bytes(ics)
        khal.import_file(path)
        listed = {e["uid"]: e for e in khal.events(plan.start_date.isoformat(),
                                                   plan.end_date.isoformat())}  # fmt: skip
        timed = [s for s in plan.sessions if s.kind.value != "review"]
        assert len(timed) > 40
        for s in timed:
            want = _utc(json.loads(plan.to_json()), json.loads(s.model_dump_json()))
            assert listed[s.uid]["start"] == want.strftime("%Y-%m-%dT%H:%M"), (zone, s.date)


def test_a_second_episode_moves_nothing_of_the_first(run_cli, khal, tmp_path):
    """Two plans for one runner (two folders: two episodes) share no event in khal."""
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    for name in ("first", "second"):
        assert run_cli("plan", profile, "--out", tmp_path / name, "--format", "json,ics",
                       "--start", "2026-03-02").returncode == 0  # fmt: skip
    one, two = _plan_json(tmp_path / "first"), _plan_json(tmp_path / "second")
    assert not {s["uid"] for s in one["sessions"]} & {s["uid"] for s in two["sessions"]}
    khal.import_file(tmp_path / "first" / "plan.ics")
    before = khal.events(one["start_date"], one["end_date"])
    khal.import_file(tmp_path / "second" / "plan.ics")
    after = khal.events(one["start_date"], one["end_date"])
    assert len(after) == 2 * len(before)
    assert all(e in after for e in before), "episode 1 is exactly as it was"


# -- Radicale -------------------------------------------------------------------------------


def test_radicale_range_queries_use_the_embedded_zone(radicale, cal):
    """A REPORT over a range finds a session exactly when the session lies in it."""
    for zone, start in (("America/Mexico_City", dt.date(2022, 11, 7)),
                        ("Africa/Khartoum", dt.date(2017, 9, 4))):  # fmt: skip
        plan = cal.plan_for("francois-meniscus-berlin", timezone=zone, start_date=start,
                            episode_key=zone)  # fmt: skip
        ics, _ = cal.renamed_tzid(plan_to_ics(plan, ExportOptions()), zone)
        path = radicale.new_calendar()
        radicale.subscribe(path, ics)
        timed = [s for s in plan.sessions if s.kind.value != "review"]
        minute = dt.timedelta(minutes=1)
        for s in timed[:: max(1, len(timed) // 8)]:
            begin = _utc(json.loads(plan.to_json()), json.loads(s.model_dump_json()))
            found = {str(e["UID"]) for e in radicale.between(path, begin, begin + minute)}
            assert s.uid in found, (zone, s.date, "not found at its start")
            earlier = {str(e["UID"]) for e in radicale.between(path, begin - 61 * minute,
                                                               begin - minute)}  # fmt: skip
            assert s.uid not in earlier, (zone, s.date, "found an hour early")


@pytest.fixture(scope="module")
def rehab_server(tmp_path_factory):
    from tests.server.helpers import add_user, start_server, stop_server

    folder = tmp_path_factory.mktemp("server")
    db = f"sqlite:///{folder / 'rehabplan.db'}"
    add_user(db)
    server = start_server(db, folder / "server.log")
    yield server
    stop_server(server)


def _future(events, today: dt.date) -> list:
    out = []
    for event in events:
        start = event.decoded("DTSTART")
        day = start.date() if isinstance(start, dt.datetime) else start
        if day >= today:
            out.append(event)
    return out


def test_radicale_after_a_stop_by_feed_refresh_and_by_import(rehab_server, radicale):
    """The runner's feed after a warning sign: a refreshed subscription and an imported
    copy both hold nothing to train on ahead, only the pause event."""
    from tests.server.helpers import create_patient, profile_data, report_session

    clinician = rehab_server.login()
    links = create_patient(clinician, profile_data(patient_id="CAL-1"))
    clinician.close()
    with rehab_server.client() as client:
        before = client.get(links["feed"]).content
        subscribed, imported = radicale.new_calendar(), radicale.new_calendar()
        radicale.subscribe(subscribed, before)
        radicale.import_events(imported, before)
        report_session(client, links["checkin"], pain_during="2", red_flags="locking")
        after = client.get(links["feed"]).content
    radicale.subscribe(subscribed, after)
    radicale.import_events(imported, after)

    today = dt.datetime.now(UTC).date()
    old = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(before).walk("VEVENT")}
    ahead = {uid for uid, e in old.items() if e in _future([e], today)}
    assert len(ahead) > 20
    begin = dt.datetime.combine(today, dt.time(), tzinfo=UTC)
    window = (begin, begin + dt.timedelta(days=400))
    for path in (subscribed, imported):
        found = radicale.between(path, *window)
        live = [e for e in found if str(e.get("STATUS", "")) != "CANCELLED"]
        assert [str(e["SUMMARY"]) for e in live] == [PAUSE_TITLE], path
        cancelled = {str(e["UID"]): e for e in found if str(e.get("STATUS", "")) == "CANCELLED"}
        assert set(cancelled) == ahead, path
        for uid, event in cancelled.items():
            assert int(event["SEQUENCE"]) == int(old[uid].get("SEQUENCE", 0)) + 1
