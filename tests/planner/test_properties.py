"""Property tests: every valid profile gives a plan a sports physiotherapist would sign.

Hypothesis generates profiles across all conditions, factors, ages, pain scores, day sets
(one day to all seven), session times, time zones, units, equipment and start dates. The
rules sit in ``invariants.py``; each rule also has a test of its own over a strategy built
to reach it (older runners for the no-hop rule, irritable knees for undated running, high
baselines for the single-run cap), plus explicit examples for the edges (one training day,
seven, knee arthritis at 72, both knees without kit, a week with a clock change).
"""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, example, given, settings, target
from hypothesis import strategies as st

from rehabplan.library import default_library
from rehabplan.models.profile import Profile
from rehabplan.planner import build_plan
from rehabplan.progression import CheckIn, Decision, replan
from rehabplan.protocol import default_protocol
from rehabplan.screening import screen
from rehabplan.vocab import (
    PROFILE_EQUIPMENT,
    Condition,
    CrossTraining,
    Factor,
    RedFlag,
    Weekday,
)

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "UTC",
]
SETTINGS = settings(
    max_examples=int(os.environ.get("PLANNER_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _subset(values) -> st.SearchStrategy[list]:
    return st.lists(st.sampled_from(sorted(values)), unique=True).map(lambda xs: sorted(xs))


@st.composite
def profiles(
    draw,
    red_flags: bool = False,
    cleared: bool = False,
    *,
    condition: st.SearchStrategy | None = None,
    age: st.SearchStrategy | None = None,
    rest: st.SearchStrategy | None = None,
    daily: st.SearchStrategy | None = None,
    baseline: st.SearchStrategy | None = None,
    goal: st.SearchStrategy | None = None,
    days: st.SearchStrategy | None = None,
) -> Profile:
    """Valid profiles; ``red_flags`` adds signs, ``cleared`` adds signs a clinician cleared;
    the keyword strategies narrow one field to reach a rule."""
    chosen_days = draw(
        days
        if days is not None
        else st.lists(st.sampled_from(list(Weekday)), min_size=1, max_size=7, unique=True)
    )
    flags = {}
    if red_flags or cleared:
        chosen = draw(st.lists(st.sampled_from(list(RedFlag)), min_size=1, unique=True))
        flags = {f.value: True for f in chosen}
    severe = 10 if flags else 6  # rest or daily pain ≥ 7 is itself a red flag
    base_km = draw(baseline if baseline is not None else st.integers(0, 120))
    data = {
        "patient_id": draw(st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)),
        "name": draw(st.sampled_from([None, "María José Núñez", "Zoë O'Brien", "李小龍"])),
        "age": draw(age if age is not None else st.integers(12, 100)),
        "side": draw(st.sampled_from(["left", "right", "both"])),
        "condition": draw(
            condition if condition is not None else st.sampled_from(list(Condition))
        ).value,
        "factors": [f.value for f in draw(_subset(Factor))],
        "pain": {
            "rest": draw(rest if rest is not None else st.integers(0, severe)),
            "running": draw(st.integers(0, 10)),
            "daily": draw(daily if daily is not None else st.integers(0, severe)),
        },
        "red_flags": flags,
        "start_date": draw(st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31))).isoformat(),
        "timezone": draw(st.sampled_from(ZONES)),
        "availability": {
            "days": [d.value for d in chosen_days],
            "time": f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}",
        },
        "equipment": [e.value for e in draw(_subset(PROFILE_EQUIPMENT))],
        "cross_training": [c.value for c in draw(_subset(CrossTraining))],
        "baseline_weekly_km": base_km,
        "weeks_without_running": draw(st.integers(0, 30)),
        "goal_weekly_km": draw(goal if goal is not None else st.integers(3, 120)),
        "units": draw(st.sampled_from(["km", "mi"])),
    }
    if cleared:
        data["cleared_by_clinician"] = True
        data["clinician_note"] = "Examined on the day of assessment; safe to load gradually."
    return Profile.model_validate(data)


def _profile(**changes) -> Profile:
    """An explicit example: a typical runner with the given fields changed."""
    data = {
        "patient_id": "EX-1", "age": 35, "side": "left", "condition": "pes_anserine_bursitis",
        "factors": [], "pain": {"rest": 1, "running": 4, "daily": 2},
        "start_date": "2026-03-02", "timezone": "Europe/Berlin",
        "availability": {"days": ["mon", "wed", "fri", "sat"], "time": "07:30"},
        "equipment": [], "cross_training": ["bike"], "baseline_weekly_km": 30,
        "goal_weekly_km": 30, "units": "km",
    }  # fmt: skip
    data.update(changes)
    return Profile.model_validate(data)


EDGES = {
    "one training day": _profile(availability={"days": ["sun"], "time": "09:00"}),
    "seven days, no kit": _profile(
        availability={"days": [d.value for d in Weekday], "time": "06:00"}, cross_training=[]
    ),
    "arthritis at 72": _profile(
        condition="medial_knee_osteoarthritis",
        age=72,
        factors=["arthritis"],
        baseline_weekly_km=15,
        goal_weekly_km=15,
    ),
    "irritable knee": _profile(
        condition="medial_meniscus_irritation", pain={"rest": 5, "running": 8, "daily": 5}
    ),
    "mild MCL sprain": _profile(
        condition="mcl_sprain_grade_1",
        pain={"rest": 0, "running": 2, "daily": 0},
        availability={"days": ["tue", "thu"], "time": "18:00"},
    ),
    "both knees, young": _profile(side="both", age=15, condition="patellofemoral_pain"),
    "single-run cap binding": _profile(
        condition="nonspecific_medial_knee_pain",
        baseline_weekly_km=90,
        goal_weekly_km=90,
        availability={"days": [d.value for d in Weekday], "time": "05:30"},
    ),
    "clocks go forward at 02:30": _profile(
        start_date="2026-03-16", availability={"days": ["sun", "wed"], "time": "02:30"}
    ),
    "training goal in miles": _profile(units="mi", baseline_weekly_km=15, goal_weekly_km=40),
}


def _with_edges(test):
    for profile in EDGES.values():
        test = example(profile=profile)(test)
    return test


def _build(profile):
    library, protocol = default_library(), default_protocol()
    return build_plan(profile, library, protocol), library, protocol


@SETTINGS
@_with_edges
@given(profile=st.one_of(profiles(), profiles(cleared=True)))
def test_every_plan_obeys_the_rules(profile, invariants):
    assert not screen(profile).refer
    plan, library, protocol = _build(profile)
    if profile.cleared_by_clinician:
        assert plan.patient.clinician_note == profile.clinician_note
        assert plan.advice[-1].topic == "clinician_clearance"
    invariants.check_all(plan, profile, library, protocol)


@SETTINGS
@_with_edges
@given(profile=profiles())
def test_session_lengths_stay_inside_the_reference_table(profile, invariants):
    plan, library, _ = _build(profile)
    target(max(s.duration_min for s in plan.sessions if s.kind.value == "strength"),
           label="longest strength session")  # fmt: skip
    invariants.check_session_lengths(plan, library)
    invariants.check_acute_daily_routine(plan, library)
    invariants.check_stretches_daily(plan, library)


@SETTINGS
@given(profile=profiles(rest=st.integers(0, 4), daily=st.integers(0, 4)))
@example(profile=EDGES["mild MCL sprain"])
@example(profile=EDGES["arthritis at 72"])
@example(profile=EDGES["one training day"])
def test_first_run_falls_inside_the_condition_window(profile, invariants):
    plan, _, _ = _build(profile)
    invariants.check_timeline(plan, profile)
    invariants.check_plan_length(plan, profile)


@SETTINGS
@given(profile=profiles(condition=st.just(Condition.MCL_SPRAIN_GRADE_1), rest=st.just(0),
                        daily=st.integers(0, 1), age=st.integers(12, 49)))  # fmt: skip
def test_a_mild_mcl_sprain_runs_by_day_14_and_ends_by_week_10(profile, invariants):
    plan, _, _ = _build(profile)
    invariants.check_timeline(plan, profile)
    invariants.check_plan_length(plan, profile)


@SETTINGS
@given(
    profile=st.one_of(
        profiles(age=st.integers(65, 100)),
        profiles(condition=st.just(Condition.MEDIAL_KNEE_OSTEOARTHRITIS)),
    )
)
@example(profile=EDGES["arthritis at 72"])
def test_no_hopping_for_arthritis_or_from_65(profile, invariants):
    plan, library, _ = _build(profile)
    invariants.check_age_and_arthritis(plan, profile, library)


@SETTINGS
@given(profile=st.one_of(profiles(rest=st.integers(5, 6)), profiles(daily=st.integers(5, 6))))
@example(profile=EDGES["irritable knee"])
def test_an_irritable_knee_gets_no_dated_running(profile, invariants):
    plan, library, protocol = _build(profile)
    invariants.check_irritable(plan, profile)
    invariants.check_all(plan, profile, library, protocol)


@SETTINGS
@_with_edges
@given(profile=profiles())
def test_strength_covers_every_region_and_never_runs_two_days(profile, invariants):
    plan, library, _ = _build(profile)
    invariants.check_strengthening(plan, profile, library)
    invariants.check_no_strength_on_consecutive_days(plan)
    invariants.check_dosing(plan, library)


@SETTINGS
@given(profile=profiles(baseline=st.integers(40, 120), goal=st.integers(40, 120),
                        days=st.lists(st.sampled_from(list(Weekday)), min_size=4, max_size=7,
                                      unique=True), rest=st.integers(0, 4),
                        daily=st.integers(0, 4)))  # fmt: skip
@example(profile=EDGES["single-run cap binding"])
def test_running_rebuilds_to_the_baseline_within_the_caps(profile, invariants):
    """High baselines make the single-run cap and the weekly steps bind."""
    plan, _, protocol = _build(profile)
    runs = [s for s in plan.sessions if s.run_walk and s.run_walk.stage > 9]
    if runs:
        target(float(len(runs)), label="continuous runs")
    invariants.check_volume_rebuild(plan, profile, protocol)
    invariants.check_plan_ends_at_goal(plan, profile)


@SETTINGS
@given(profile=profiles())
def test_same_input_same_bytes_and_stable_uids(profile):
    library, protocol = default_library(), default_protocol()
    first = build_plan(profile, library, protocol)
    again = build_plan(profile, library, protocol, previous=first)
    assert again.to_json() == first.to_json()
    assert all(s.sequence == 0 for s in again.sessions)


@SETTINGS
@given(profile=profiles(red_flags=True))
def test_red_flags_mean_no_plan(profile, tmp_path_factory):
    from rehabplan.pipeline import run

    result = screen(profile)
    assert result.refer and result.flags
    out = tmp_path_factory.mktemp("referral")
    outcome = run(profile, out, formats=("json",))
    assert outcome.status == "referred" and outcome.plan is None
    assert (out / "referral.json").is_file()
    assert not (out / "plan.json").exists()
    assert {f["flag"] for f in outcome.referral.findings} == {f.value for f in result.flags}


@st.composite
def check_ins(draw, plan):
    """A check-in on one of the plan's sessions, with any pain answers."""
    session = draw(st.sampled_from(plan.sessions))
    return CheckIn(
        session_uid=session.uid,
        date=session.date,
        status=draw(st.sampled_from(["done", "done", "skipped"])),
        pain_during=draw(st.none() | st.integers(0, 10)),
        pain_next_morning=draw(st.none() | st.integers(0, 10)),
        swelling=draw(st.booleans()),
    )


@SETTINGS
@given(data=st.data())
def test_replan_keeps_the_past_and_the_rules(data, invariants):
    library, protocol = default_library(), default_protocol()
    profile = data.draw(profiles())
    plan = build_plan(profile, library, protocol)
    entries = sorted(data.draw(st.lists(check_ins(plan), min_size=1, max_size=4)),
                     key=lambda c: c.date)  # fmt: skip
    today = entries[-1].date + dt.timedelta(days=1)
    result = replan(profile, library, protocol, plan, entries, today)
    new = result.plan
    assert result.decision is not Decision.STOP and new is not None
    invariants.check_all(new, profile, library, protocol, replanned=True)
    past_before = [s for s in plan.sessions if s.date < today]
    past_after = [s for s in new.sessions if s.date < today]
    assert past_after == past_before, "sessions before today must stay exactly as they were"
    old = {s.uid: s for s in plan.sessions}
    for s in new.sessions:
        if s.uid in old:
            same = s.model_dump(exclude={"sequence"}) == old[s.uid].model_dump(exclude={"sequence"})
            assert s.sequence == (old[s.uid].sequence if same else old[s.uid].sequence + 1)
        else:
            assert s.sequence == 0
    # Re-planning again with the same check-ins changes nothing: same bytes, same sequences.
    again = replan(profile, library, protocol, new, entries, today).plan
    assert again.to_json() == new.to_json()


@SETTINGS
@given(data=st.data())
def test_good_news_changes_nothing(data):
    """Check-ins that report easy sessions leave the plan exactly as it was (same bytes)
    (an irritable knee's good news dates its running instead: see test_progression)."""
    library, protocol = default_library(), default_protocol()
    profile = data.draw(profiles(rest=st.integers(0, 4), daily=st.integers(0, 4)))
    plan = build_plan(profile, library, protocol)
    chosen = data.draw(st.lists(st.sampled_from(plan.sessions), min_size=1, max_size=5))
    entries = [
        CheckIn(session_uid=s.uid, date=s.date, status="done", pain_during=0,
                pain_next_morning=profile.pain.rest)
        for s in sorted(chosen, key=lambda s: s.date)
    ]  # fmt: skip
    today = entries[-1].date + dt.timedelta(days=data.draw(st.integers(1, 6)))
    result = replan(profile, library, protocol, plan, entries, today)
    assert result.decision is Decision.PROGRESS
    assert result.plan.to_json() == plan.to_json()
