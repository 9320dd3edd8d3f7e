"""The ``plan`` and ``checkin`` commands end to end, as a physiotherapist runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALL = sorted(EXAMPLES.glob("*.yaml"))


def _red_data(data: dict) -> bool:
    return any((data.get("red_flags") or {}).values()) and not data.get("cleared_by_clinician")


def _red(path: Path) -> bool:
    return _red_data(yaml.safe_load(path.read_text("utf-8")))


def test_examples_cover_what_the_issue_asks():
    profiles = [yaml.safe_load(p.read_text("utf-8")) for p in ALL]
    assert len(profiles) >= 7
    assert (EXAMPLES / "maria-pes-anserine.yaml").exists()
    assert len({p["condition"] for p in profiles}) == 7
    assert any(p.get("units") == "mi" for p in profiles)
    assert any(p.get("cleared_by_clinician") for p in profiles)
    assert sum(_red(p) for p in ALL) >= 1
    assert len({p["timezone"] for p in profiles}) >= 6
    # §7's hard cases: an irritable knee, arthritis in an older runner, a mild sprain.
    assert any(max(p["pain"]["rest"], p["pain"]["daily"]) >= 5 and not _red_data(p)
               for p in profiles)  # fmt: skip
    assert any(p["condition"] == "medial_knee_osteoarthritis" and p["age"] >= 65
               for p in profiles)  # fmt: skip
    assert any(p["condition"] == "mcl_sprain_grade_1" and p["pain"]["running"] <= 3
               for p in profiles)  # fmt: skip
    names = " ".join(p.get("name", "") for p in profiles)
    for accented in ("María José Núñez", "Zoë O'Brien", "François Müller"):
        assert accented in names


@pytest.mark.parametrize("example", ALL, ids=lambda p: p.stem)
def test_every_example_end_to_end(example, run_cli, tmp_path):
    out = tmp_path / "out"
    first = run_cli("plan", example, "--out", out, "--format", "json")
    assert "Traceback" not in first.stderr
    if _red(example):
        assert first.returncode == 3, first.stderr
        assert "Red flags found" in first.stdout
        assert (out / "referral.json").is_file() and not (out / "plan.json").exists()
        referral = json.loads((out / "referral.json").read_text("utf-8"))
        assert referral["urgency_level"] in {"emergency", "within_24_hours", "within_a_week"}
        return
    assert first.returncode == 0, first.stderr
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert plan["schema_version"] == 1
    for phase in plan["phases"]:
        # the summary names every phase with its dates
        assert phase["title"] in first.stdout
    assert "Sessions per week:" in first.stdout and "week  1" in first.stdout
    before = (out / "plan.json").read_bytes()
    second = run_cli("plan", example, "--out", out, "--format", "json")
    assert second.returncode == 0
    assert (out / "plan.json").read_bytes() == before, "same input must give the same bytes"
    # Another folder is another episode: the same sessions, under identities of its own.
    elsewhere = tmp_path / "fresh"
    assert run_cli("plan", example, "--out", elsewhere, "--format", "json").returncode == 0
    fresh = json.loads((elsewhere / "plan.json").read_text("utf-8"))
    assert _anonymous(fresh) == _anonymous(plan)
    assert not {s["uid"] for s in fresh["sessions"]} & {s["uid"] for s in plan["sessions"]}


def _anonymous(plan: dict) -> dict:
    """A plan without what identifies its episode (secret, UIDs)."""
    strip = {"uid", "episode_key"}
    plan = {k: v for k, v in plan.items() if k not in strip}
    plan["sessions"] = [{k: v for k, v in s.items() if k not in strip} for s in plan["sessions"]]
    plan["phases"] = [{k: v for k, v in p.items() if k not in strip} for p in plan["phases"]]
    return plan


def test_invalid_profile_exits_2_and_writes_nothing(run_cli, tmp_path):
    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text("utf-8"))
    data["pain"]["running"] = 12
    data["timezone"] = "Mars/Olympus"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    out = tmp_path / "out"
    result = run_cli("plan", bad, "--out", out, "--format", "json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad.yaml: pain.running: must be between 0 and 10, got 12" in result.stderr
    assert "bad.yaml: timezone: must be an IANA time zone" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-13-01"], "--start: is not a real calendar date, got '2026-13-01'"),
        (["--start", "next monday"], "--start: must be a date written YYYY-MM-DD"),
        (["--start", "9999-01-01"], "--start: must be between 2000-01-01 and 2099-12-31"),
        (["--format", "json,docx"], "unknown format(s) docx"),
        (["--no-alarm", "--alarm-minutes", "45"], "contradict each other"),
        (["--pdf-variant", "pdf/zz", "--format", "json"], "unknown PDF variant 'pdf/zz'"),
    ],
)
def test_bad_options_exit_2(run_cli, tmp_path, args, message):
    out = tmp_path / "out"
    result = run_cli("plan", EXAMPLES / "maria-pes-anserine.yaml", "--out", out, *args)
    assert result.returncode == 2 and message in result.stderr
    assert not out.exists()


def test_start_option_and_missing_start_date(run_cli, tmp_path):
    data = yaml.safe_load((EXAMPLES / "lars-mcl-grade1.yaml").read_text("utf-8"))
    del data["start_date"]
    profile = tmp_path / "lars.json"
    profile.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    result = run_cli("plan", profile, "--out", out, "--format", "json", "--start", "2026-02-02")
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert plan["start_date"] == "2026-02-02" and plan["phases"][0]["start"] == "2026-02-02"
    today = run_cli("plan", profile, "--out", tmp_path / "today", "--format", "json")
    assert today.returncode == 0, today.stderr
    assert json.loads((tmp_path / "today" / "plan.json").read_text("utf-8"))["start_date"]


def test_checkin_replans_and_red_flag_refers(run_cli, tmp_path):
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json").returncode == 0
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    runs = [s for s in plan["sessions"] if s["kind"] == "run_walk"]
    third = next(s for s in runs if s["run_walk"]["stage"] == 2)
    result = run_cli("checkin", profile, "--out", out, "--date", third["date"],
                     "--status", "done", "--pain-during", "7")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "go back one step" in result.stdout
    new = json.loads((out / "plan.json").read_text("utf-8"))
    assert new["plan_id"] == plan["plan_id"]
    after = [s for s in new["sessions"] if s["date"] > third["date"]]
    first_run = next(s for s in after if s["kind"] == "run_walk")
    assert first_run["run_walk"]["stage"] == 1
    assert any(s["sequence"] > 0 for s in after)
    log = (out / "checkins.jsonl").read_text("utf-8").splitlines()
    assert len(log) == 1 and json.loads(log[0])["pain_during"] == 7

    bad = run_cli("checkin", profile, "--out", out, "--date", third["date"],
                  "--status", "done", "--pain-during", "11")  # fmt: skip
    assert bad.returncode == 2 and "--pain-during: must be between 0 and 10, got 11" in bad.stderr
    assert len((out / "checkins.jsonl").read_text("utf-8").splitlines()) == 1

    flag = run_cli("checkin", profile, "--out", out, "--date", after[0]["date"],
                   "--status", "done", "--red-flag", "instability")  # fmt: skip
    assert flag.returncode == 3
    referral = json.loads((out / "referral.json").read_text("utf-8"))
    assert referral["findings"][0]["flag"] == "instability" and referral["at_checkin"] is True
    # The plan stops: nothing ahead but one "contact your clinician" event, and later
    # check-ins are refused until a new plan is made.
    stopped = json.loads((out / "plan.json").read_text("utf-8"))
    ahead = [s for s in stopped["sessions"] if s["date"] > after[0]["date"]]
    assert [s["title"] for s in ahead] == ["Programme paused: contact your clinician"]
    again = run_cli("checkin", profile, "--out", out, "--date", after[3]["date"],
                    "--status", "done", "--pain-during", "1")  # fmt: skip
    assert again.returncode == 3 and "is stopped" in again.stderr
    assert json.loads((out / "plan.json").read_text("utf-8")) == stopped


def test_checkin_without_a_plan_exits_2(run_cli, tmp_path):
    result = run_cli("checkin", EXAMPLES / "maria-pes-anserine.yaml", "--out", tmp_path,
                     "--date", "2026-03-02", "--status", "done")  # fmt: skip
    assert result.returncode == 2 and "run rehabplan plan first" in result.stderr
    assert not (tmp_path / "checkins.jsonl").exists()


def test_summary_shows_phase_dates_and_weekly_sessions(run_cli, tmp_path):
    # María: pes anserine bursitis with running pain 6/10 → careful end of both ranges
    # (acute 2 of 1–2 weeks, strengthening 5 of 3–5 weeks), from Monday 2 March 2026.
    result = run_cli("plan", EXAMPLES / "maria-pes-anserine.yaml", "--out", tmp_path / "o",
                     "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Plan for María José Núñez (P-0042): pes anserine bursitis, left knee" in result.stdout
    assert "Settle the knee      Mon 2 Mar 2026 – Sun 15 Mar 2026  (2 weeks)" in result.stdout
    assert "Build strength       Mon 16 Mar 2026 – Sun 19 Apr 2026  (5 weeks)" in result.stdout
    assert "Return to running    Mon 20 Apr 2026 – " in result.stdout
    # a session every day: training on the four available days, the short daily routine
    # (stretches, or knee range of motion in the first phase) on the other three
    weeks = [line for line in result.stdout.splitlines() if line.strip().startswith("week")]
    assert weeks and all(": 7 sessions" in line and "daily routine" in line for line in weeks)


def test_checkin_with_an_unknown_session_exits_2(run_cli, tmp_path):
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json").returncode == 0
    before = (out / "plan.json").read_bytes()
    result = run_cli("checkin", profile, "--out", out, "--date", "2026-02-20",
                     "--status", "done", "--pain-during", "1")  # fmt: skip
    assert result.returncode == 2 and "no session on 2026-02-20 in the plan" in result.stderr
    result = run_cli("checkin", profile, "--out", out, "--date", "2026-03-02",
                     "--status", "done", "--pain-during", "1",
                     "--session", "nope@rehabplan")  # fmt: skip
    assert result.returncode == 2 and "no session with UID nope@rehabplan" in result.stderr
    assert (out / "plan.json").read_bytes() == before
    assert not (out / "checkins.jsonl").exists()


def test_done_checkin_needs_the_pain_score(run_cli, tmp_path):
    profile = EXAMPLES / "maria-pes-anserine.yaml"
    out = tmp_path / "out"
    assert run_cli("plan", profile, "--out", out, "--format", "json").returncode == 0
    result = run_cli("checkin", profile, "--out", out, "--date", "2026-03-02",
                     "--status", "done")  # fmt: skip
    assert result.returncode == 2 and "--pain-during: is required with --status done" in (
        result.stderr
    )
    assert not (out / "checkins.jsonl").exists()


def test_a_referral_replaces_an_earlier_plan_and_back(run_cli, tmp_path):
    """A folder never holds a plan beside a referral: a feed or a printer could pick it up."""
    good = EXAMPLES / "maria-pes-anserine.yaml"
    data = yaml.safe_load(good.read_text("utf-8"))
    data["red_flags"] = {"fever": True}
    fever = tmp_path / "fever.yaml"
    fever.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    out = tmp_path / "out"
    assert run_cli("plan", good, "--out", out, "--format", "json,ics,html").returncode == 0
    assert run_cli("plan", fever, "--out", out, "--format", "json,html").returncode == 3
    assert sorted(p.name for p in out.iterdir()) == ["referral.html", "referral.json"]
    assert run_cli("plan", good, "--out", out, "--format", "json,ics").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["plan.ics", "plan.json"]


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_an_unusable_output_folder_exits_4_without_a_traceback(run_cli, tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder")
    result = run_cli("plan", EXAMPLES / "maria-pes-anserine.yaml", "--out", tmp_path / where,
                     "--format", "json,ics,html")  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: cannot write the output to ") and "a-file" in (
        result.stderr
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_failed_write_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    """All outputs or none: the second file failing (a full disk) takes back the first."""
    import os

    from rehabplan import atomic

    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("old plan")
    real_fsync, calls = os.fsync, []

    def full_disk(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        atomic.write_all({out / "handout.html": b"new", out / "plan.json": b"new plan"},
                         remove=(out / "referral.json",))  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["plan.json"]
    assert (out / "plan.json").read_text() == "old plan"


def test_letters_the_handout_font_lacks_are_warned_about(run_cli, tmp_path):
    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text("utf-8"))
    data.update(name="渡辺 健二 Zoë", side="both")
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    result = run_cli("plan", path, "--out", tmp_path / "o", "--format", "json,html")
    assert result.returncode == 0, result.stderr
    assert "warning: " in result.stderr and "no letters for '渡辺健二'" in result.stderr
    html = (tmp_path / "o" / "handout.html").read_text("utf-8")
    assert "渡辺 健二 Zoë, your plan for stronger knees" in html
    quiet = run_cli("plan", EXAMPLES / "maria-pes-anserine.yaml", "--out", tmp_path / "q",
                    "--format", "json,html")  # fmt: skip
    assert quiet.returncode == 0 and "warning" not in quiet.stderr


@pytest.mark.parametrize(
    ("goal", "words"),
    [
        (300, "Your goal is about 300 km a week. This plan takes you to about "),
        (10, "Your goal is about 10 km a week. The last stages take you a little past it"),
    ],
)
def test_the_handout_says_how_far_the_plan_takes_the_runner(run_cli, tmp_path, goal, words):
    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text("utf-8"))
    data["goal_weekly_km"] = goal
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    result = run_cli("plan", path, "--out", tmp_path / "o", "--format", "json,html")
    assert result.returncode == 0, result.stderr
    html = " ".join((tmp_path / "o" / "handout.html").read_text("utf-8").split())
    assert words in html
    # The 10 % rule is promised only where it holds: the stages double early weeks.
    assert "Once you run non-stop, weekly running grows by about a tenth at most" in html
    plan = json.loads((tmp_path / "o" / "plan.json").read_text("utf-8"))
    last = [w for w in plan["weekly_load"] if w["run_minutes"]][-1]
    if goal == 300:
        assert f"takes you to about {last['run_distance']:.0f} km a week" in html


def test_a_sprain_handout_states_the_stricter_pain_limit_everywhere(run_cli, tmp_path):
    """The reference: stricter thresholds (≤ 2) for ligament sprains in the first weeks. The
    cards' general pain rules say 3/10, so the handout must say 2/10 beside them."""
    import datetime as dt

    out = tmp_path / "o"
    result = run_cli("plan", EXAMPLES / "lars-mcl-grade1.yaml", "--out", out,
                     "--format", "json,html")  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    until = dt.date.fromisoformat(plan["strict_pain"]["until"])
    assert plan["strict_pain"]["max_during"] == 2
    assert until == dt.date.fromisoformat(plan["start_date"]) + dt.timedelta(days=27)
    html = " ".join((out / "handout.html").read_text("utf-8").split())
    day = f"{until:%a} {until.day} {until:%b %Y}"
    cards = html.count('class="pain-rule"')
    # Cards give the limit by plan week (they are shared between patients); 28 days = 4.
    rule = "For your sprain, in the first 4 weeks of the plan: no more than 2 out"
    assert cards > 5 and html.count(rule) == cards
    assert f"(up to 2 until {day}, while the sprain heals)" in html
    other = run_cli("plan", EXAMPLES / "maria-pes-anserine.yaml", "--out", tmp_path / "m",
                    "--format", "json,html")  # fmt: skip
    assert other.returncode == 0
    assert json.loads((tmp_path / "m" / "plan.json").read_text("utf-8"))["strict_pain"] is None
    assert "For your sprain" not in (tmp_path / "m" / "handout.html").read_text("utf-8")


def test_one_training_day_a_week_is_warned_about(run_cli, tmp_path):
    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text("utf-8"))
    data["availability"]["days"] = ["sun"]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    result = run_cli("plan", path, "--out", tmp_path / "o", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "warning: " in result.stderr and "one training day a week" in result.stderr
    assert "two or three with a day between work better" in " ".join(result.stderr.split())
    plan = json.loads((tmp_path / "o" / "plan.json").read_text("utf-8"))
    assert "one_training_day" in [n["key"] for n in plan["notices"]]
    assert "One training day a week" in result.stdout
