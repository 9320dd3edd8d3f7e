"""``rehabplan plan`` and ``checkin`` over a plan's life, as a physiotherapist runs them:
settings that stay, check-ins that keep their progress, episodes, and what changes between
two calendar files."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pikepdf
import yaml

from rehabplan.progression import PAUSE_TITLE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LETTER = (612, 792)


def _plan(out: Path) -> dict:
    return json.loads((out / "plan.json").read_text("utf-8"))


def _events(out: Path) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _alarms(out: Path) -> set[dt.timedelta]:
    return {a.decoded("TRIGGER") for e in _events(out).values() for a in e.walk("VALARM")}


def _page_size(out: Path) -> tuple[int, int]:
    with pikepdf.open(out / "handout.pdf") as pdf:
        box = pdf.pages[0].mediabox
        return round(float(box[2])), round(float(box[3]))


def _recent_profile(tmp_path: Path) -> tuple[Path, dt.date]:
    """Maria's profile, started about two weeks ago with a session yesterday."""
    from rehabplan.library import default_library
    from rehabplan.planner import build_plan
    from rehabplan.profile_io import profile_from_mapping
    from rehabplan.protocol import default_protocol

    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text("utf-8"))
    today = dt.datetime.now(ZoneInfo(data["timezone"])).date()
    data["availability"] = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                            "time": "07:00"}  # fmt: skip
    for days_ago in range(12, 20):
        data["start_date"] = (today - dt.timedelta(days=days_ago)).isoformat()
        plan = build_plan(profile_from_mapping(data, "t"), default_library(), default_protocol())
        if any(s.date == today - dt.timedelta(days=1) for s in plan.sessions):
            break
    path = tmp_path / "maria.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path, today


def test_checkin_and_replans_keep_the_settings_the_plan_was_made_with(run_cli, tmp_path):
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    made = run_cli("plan", profile, "--out", out, "--paper", "letter", "--no-alarm",
                   "--ics-details")  # fmt: skip
    assert made.returncode == 0, made.stderr
    first = _plan(out)
    assert first["export"] == {"paper": "letter", "pdf_variant": None, "clinic_file": None,
                               "ics_include_details": True, "ics_alarm_minutes": None}  # fmt: skip
    day = first["sessions"][2]["date"]
    r = run_cli("checkin", profile, "--out", out, "--date", day, "--status", "done",
                "--pain-during", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert _page_size(out) == LETTER, "the handout stays on Letter"
    assert _alarms(out) == set(), "--no-alarm stays in force"
    name = str(icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())["X-WR-CALNAME"])
    assert "María José Núñez" in name, "--ics-details stays in force"
    (out / "handout.pdf").unlink()  # the rest needs no handout (a re-plan writes what is there)

    # An option given to checkin changes that setting and is kept from then on.
    day = first["sessions"][3]["date"]
    r = run_cli("checkin", profile, "--out", out, "--date", day, "--status", "done",
                "--pain-during", "1", "--alarm-minutes", "90")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert _alarms(out) == {dt.timedelta(minutes=-90)}
    r = run_cli("checkin", profile, "--out", out, "--date", first["sessions"][4]["date"],
                "--status", "skipped")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert _alarms(out) == {dt.timedelta(minutes=-90)}
    # And a re-plan too.
    assert run_cli("plan", profile, "--out", out).returncode == 0
    assert _alarms(out) == {dt.timedelta(minutes=-90)} and _page_size(out) == LETTER
    assert _plan(out)["export"]["ics_include_details"] is True
    (out / "handout.pdf").unlink()
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics",
                   "--no-ics-details").returncode == 0  # fmt: skip
    text = (out / "plan.ics").read_bytes().decode().replace("\r\n ", "")
    assert "Núñez" not in text and "bursitis" not in text


def test_plan_again_on_a_folder_with_check_ins_keeps_their_progress(run_cli, tmp_path):
    profile, today = _recent_profile(tmp_path)
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    plan = _plan(out)
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert any(s["date"] == yesterday for s in plan["sessions"])
    r = run_cli("checkin", profile, "--out", out, "--date", yesterday, "--status", "done",
                "--pain-during", "7")  # fmt: skip
    assert r.returncode == 0 and "go back one step" in r.stdout, r.stderr
    after_checkin = (out / "plan.json").read_bytes()
    assert after_checkin != json.dumps(plan).encode()
    again = run_cli("plan", profile, "--out", out, "--format", "json,ics")
    assert again.returncode == 0, again.stderr
    assert "Kept the progress of 1 check-in(s)" in again.stdout
    assert (out / "plan.json").read_bytes() == after_checkin, "the step back is kept"
    assert len((out / "checkins.jsonl").read_text("utf-8").splitlines()) == 1


def test_a_new_start_date_over_check_ins_is_refused(run_cli, tmp_path):
    profile, today = _recent_profile(tmp_path)
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert run_cli("checkin", profile, "--out", out, "--date", yesterday, "--status", "done",
                   "--pain-during", "2").returncode == 0  # fmt: skip
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = run_cli("plan", profile, "--out", out, "--start", today.isoformat())
    assert r.returncode == 2
    assert "checkins.jsonl" in r.stderr and "holds 1 check-in(s)" in r.stderr
    assert "--new-episode" in r.stderr and "Traceback" not in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing written"


def test_a_new_episode_in_the_folder_cancels_the_old_plan_ahead(run_cli, tmp_path):
    profile, today = _recent_profile(tmp_path)
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    old = _plan(out)
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert run_cli("checkin", profile, "--out", out, "--date", yesterday, "--status", "done",
                   "--pain-during", "2").returncode == 0  # fmt: skip
    r = run_cli("plan", profile, "--out", out, "--format", "json,ics", "--new-episode",
                "--start", today.isoformat())  # fmt: skip
    assert r.returncode == 0, r.stderr
    new = _plan(out)
    assert new["start_date"] == today.isoformat()
    assert not {s["uid"] for s in new["sessions"]} & {s["uid"] for s in old["sessions"]}
    events = _events(out)
    for s in old["sessions"]:
        if s["date"] >= today.isoformat():
            assert str(events[s["uid"]]["STATUS"]) == "CANCELLED"
    assert not (out / "checkins.jsonl").exists()
    aside = out / f"checkins-{old['plan_id']}.jsonl"
    assert json.loads(aside.read_text("utf-8").splitlines()[0])["date"] == yesterday


def test_two_calendar_files_of_one_plan_differ_only_in_dtstamp(run_cli, tmp_path):
    """What the README promises: the same plan gives the same plan.json, and plan.ics files
    that differ in DTSTAMP (when each file was made) and nothing else."""
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    began = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    first_json, first_ics = (out / "plan.json").read_bytes(), (out / "plan.ics").read_bytes()
    stamps = {e.decoded("DTSTAMP") for e in icalendar.Calendar.from_ical(first_ics).walk("VEVENT")}
    assert len(stamps) == 1 and began <= stamps.pop() <= dt.datetime.now(dt.UTC)
    import time

    time.sleep(1.1)
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    assert (out / "plan.json").read_bytes() == first_json
    second_ics = (out / "plan.ics").read_bytes()
    differ = set(first_ics.split(b"\r\n")) ^ set(second_ics.split(b"\r\n"))
    assert differ and all(re.fullmatch(rb"DTSTAMP:\d{8}T\d{6}Z", line) for line in differ)


def test_red_flags_at_a_replan_cancel_the_imported_calendar(run_cli, tmp_path):
    profile, _ = _recent_profile(tmp_path)
    data = yaml.safe_load(profile.read_text("utf-8"))
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json,ics").returncode == 0
    plan = _plan(out)
    data["red_flags"] = {"locking": True}
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    r = run_cli("plan", profile, "--out", out, "--format", "json,ics")
    assert r.returncode == 3, r.stderr
    assert (out / "referral.json").is_file() and not (out / "plan.json").exists()
    events = _events(out)
    today = dt.datetime.now(ZoneInfo(data["timezone"])).date().isoformat()
    live = [str(e["SUMMARY"]) for e in events.values() if str(e.get("STATUS", "")) != "CANCELLED"
            and str(e.decoded("DTSTART"))[:10] >= today]  # fmt: skip
    assert live == [PAUSE_TITLE]
    ahead = [s for s in plan["sessions"] if s["date"] >= today]
    assert len(ahead) > 50
    for s in ahead:
        assert str(events[s["uid"]]["STATUS"]) == "CANCELLED"
        assert int(events[s["uid"]]["SEQUENCE"]) == s["sequence"] + 1


def test_a_recorded_clinic_file_that_is_gone_is_named(run_cli, tmp_path):
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Riverside Sports Physiotherapy\n", "utf-8")
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    r = run_cli("plan", profile, "--out", out, "--format", "json,ics", "--clinic", clinic)
    assert r.returncode == 0, r.stderr
    assert _plan(out)["export"]["clinic_file"] == str(clinic.resolve())
    clinic.unlink()
    day = _plan(out)["sessions"][1]["date"]
    before = (out / "plan.json").read_bytes()
    r = run_cli("checkin", profile, "--out", out, "--date", day, "--status", "skipped")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert str(clinic.resolve()) in r.stderr and "--no-clinic" in r.stderr
    assert (out / "plan.json").read_bytes() == before and not (out / "checkins.jsonl").exists()
    r = run_cli("checkin", profile, "--out", out, "--date", day, "--status", "skipped",
                "--no-clinic")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert _plan(out)["export"]["clinic_file"] is None
