"""A clinician tailors the plan: remove, swap, re-dose or annotate an exercise, note the plan,
move the first run — applied by the planner, kept by re-plans, refused when unsafe unless the
clinician says why (and then printed)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from rehabplan.errors import InputError
from rehabplan.planner import build_plan
from rehabplan.progression import CheckIn, replan

DAY = dt.timedelta(days=1)


def _ids(plan, phase=None):
    return [e.exercise_id for s in plan.sessions if phase is None or s.phase.value == phase
            for e in s.exercises]  # fmt: skip


def _with(make_profile, **adjustments):
    return make_profile(adjustments=adjustments)


def test_remove_swap_dose_and_note_reach_every_session(make_profile, library, protocol):
    plain = build_plan(make_profile(), library, protocol)
    assert "split_squat" in _ids(plain) and "bird_dog" in _ids(plain)
    profile = _with(make_profile, exercises=[
        {"exercise": "split_squat", "action": "swap", "to": "step_up"},
        {"exercise": "bird_dog", "action": "remove"},
        {"exercise": "hamstring_curl_band", "action": "dose", "sets": 2, "reps": 12,
         "note": "Slow on the way down."},
        {"exercise": "calf_stretch", "action": "note", "note": "Hold the door frame."},
    ])  # fmt: skip
    plan = build_plan(profile, library, protocol)
    ids = _ids(plan)
    assert "split_squat" not in ids and "bird_dog" not in ids
    assert ids.count("step_up") > _ids(plain).count("step_up")
    curls = [
        e for s in plan.sessions for e in s.exercises if e.exercise_id == "hamstring_curl_band"
    ]
    assert curls and all((e.sets, e.reps) == (2, 12) for e in curls)
    assert all("Slow on the way down." in e.notes for e in curls)
    calves = [e for s in plan.sessions for e in s.exercises if e.exercise_id == "calf_stretch"]
    assert calves and all("Hold the door frame." in e.notes for e in calves)
    # the sessions that lost an exercise are shorter, never longer
    before = {s.date: s.duration_min for s in plain.sessions if "bird_dog" in
              [e.exercise_id for e in s.exercises]}  # fmt: skip
    after = {s.date: s.duration_min for s in plan.sessions}
    assert all(after[d] <= m for d, m in before.items())


def test_a_weekly_frequency_is_kept(make_profile, library, protocol):
    profile = _with(make_profile, exercises=[
        {"exercise": "clamshell_band", "action": "dose", "per_week": 1}])  # fmt: skip
    plan = build_plan(profile, library, protocol)
    weeks: dict[int, int] = {}
    for s in plan.sessions:
        for e in s.exercises:
            if e.exercise_id == "clamshell_band":
                week = (s.date - plan.start_date).days // 7
                weeks[week] = weeks.get(week, 0) + 1
    assert weeks and max(weeks.values()) == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        # contraindicated for pes anserine bursitis
        ({"exercise": "side_lying_adduction_bent_knee", "action": "swap",
          "to": "copenhagen_plank_short_lever"}, "adjustments.exercises[0].to",
         "contraindicated"),
        # needs kit the runner does not have
        ({"exercise": "split_squat", "action": "swap", "to": "leg_press"},
         "adjustments.exercises[0].to", "needs gym"),
        ({"exercise": "no_such_thing", "action": "remove"}, "adjustments.exercises[0].exercise",
         "no exercise"),
    ],
)  # fmt: skip
def test_an_unsafe_change_is_refused_with_its_reason(make_profile, library, protocol, change,
                                                     field, words):  # fmt: skip
    with pytest.raises(InputError) as err:
        build_plan(_with(make_profile, exercises=[change]), library, protocol)
    problem = err.value.problems[0]
    assert problem.field == field and words in problem.message


def test_an_override_is_accepted_and_printed(make_profile, library, protocol):
    reason = "Examined today: the ligament is sound, the bursa calm."
    profile = _with(make_profile, exercises=[
        {"exercise": "side_lying_adduction_bent_knee", "action": "swap",
         "to": "copenhagen_plank_short_lever", "override": reason}])  # fmt: skip
    plan = build_plan(profile, library, protocol)
    given = [e for s in plan.sessions for e in s.exercises
             if e.exercise_id == "copenhagen_plank_short_lever"]  # fmt: skip
    assert given and all(reason in e.notes for e in given)
    note = next(n for n in plan.notices if n.key == "clinician_note")
    assert reason in note.text and note.level == "caution"


def test_the_first_run_moves_inside_the_window_only(make_profile, library, protocol):
    plain = build_plan(make_profile(), library, protocol)
    first = next(s.date for s in plain.sessions if s.run_walk)
    moved = first - 7 * DAY
    plan = build_plan(_with(make_profile, first_run=moved.isoformat()), library, protocol)
    assert next(s.date for s in plan.sessions if s.run_walk) == moved
    # pes anserine bursitis: day 21-49; day 14 is outside, the acute phase never runs
    early = plain.start_date + 14 * DAY
    early += DAY * next(i for i in range(7) if (early + i * DAY).weekday() == 0)
    with pytest.raises(InputError) as err:
        build_plan(_with(make_profile, first_run=early.isoformat()), library, protocol)
    assert err.value.problems[0].field == "adjustments.first_run"
    accepted = build_plan(_with(make_profile, first_run=early.isoformat(),
                                first_run_override="Mild case, cleared at review."),
                          library, protocol)  # fmt: skip
    assert next(s.date for s in accepted.sessions if s.run_walk) == early
    with pytest.raises(InputError):
        build_plan(_with(make_profile, first_run=plain.start_date.isoformat(),
                         first_run_override="no"), library, protocol)  # fmt: skip


def test_a_clinician_dates_the_running_of_an_irritable_knee(make_profile, library, protocol):
    pain = {"rest": 5, "running": 7, "daily": 4}
    waiting = build_plan(make_profile(pain=pain), library, protocol)
    assert waiting.running.status == "awaiting_review"
    day = waiting.phases[-1].end + DAY
    day += DAY * next(i for i in range(7) if (day + i * DAY).weekday() == 0)
    dated = build_plan(make_profile(pain=pain, adjustments={
        "first_run": day.isoformat(), "first_run_override": "Settled at the review."}),
        library, protocol)  # fmt: skip
    assert dated.running.status == "dated" and dated.running.first_run == day


def test_adjustments_survive_check_ins(make_profile, library, protocol):
    profile = _with(make_profile, exercises=[{"exercise": "bird_dog", "action": "remove"}])
    plan = build_plan(profile, library, protocol)
    run = next(s for s in plan.sessions if s.run_walk)
    checkin = CheckIn(session_uid=run.uid, date=run.date, status="done", pain_during=4,
                      pain_next_morning=1)  # fmt: skip
    new = replan(profile, library, protocol, plan, [checkin], run.date + DAY).plan
    assert "bird_dog" not in _ids(new)


def test_cli_exit_2_for_an_unsafe_swap_and_alternatives(run_cli, tmp_path, base_profile):
    data = dict(base_profile, adjustments={"exercises": [
        {"exercise": "split_squat", "action": "swap", "to": "leg_press"}]})  # fmt: skip
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    out = tmp_path / "out"
    result = run_cli("plan", path, "--out", out, "--format", "json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "adjustments.exercises[0].to" in result.stderr and "needs gym" in result.stderr
    assert not out.exists() or not (out / "plan.json").exists()
    listing = run_cli("exercises", "alternatives", "split_squat", "--profile", path)
    assert listing.returncode == 0
    safe, _, excluded = listing.stdout.partition("Not for this runner:")
    assert "step_up" in safe and "leg_press" in excluded and "needs gym" in excluded
    data["adjustments"]["exercises"][0]["to"] = "step_up"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert run_cli("plan", path, "--out", out, "--format", "json").returncode == 0
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert "split_squat" not in json.dumps(plan["sessions"])
