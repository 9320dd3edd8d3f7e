"""Property tests: every valid profile gives a plan that obeys the safety and scheduling rules.

Hypothesis generates profiles across all conditions, factors, ages, pain scores, day sets
(one day to all seven), session times, time zones, units, equipment and start dates.
"""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, given, settings
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
    max_examples=int(os.environ.get("PLANNER_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _subset(values) -> st.SearchStrategy[list]:
    return st.lists(st.sampled_from(sorted(values)), unique=True).map(lambda xs: sorted(xs))


@st.composite
def profiles(draw, red_flags: bool = False, cleared: bool = False) -> Profile:
    """Valid profiles; ``red_flags`` adds signs, ``cleared`` adds signs a clinician cleared."""
    days = draw(st.lists(st.sampled_from(list(Weekday)), min_size=1, max_size=7, unique=True))
    flags = {}
    if red_flags or cleared:
        chosen = draw(st.lists(st.sampled_from(list(RedFlag)), min_size=1, unique=True))
        flags = {f.value: True for f in chosen}
    data = {
        "patient_id": draw(st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)),
        "name": draw(st.sampled_from([None, "María José Núñez", "Zoë O'Brien", "李小龍"])),
        "age": draw(st.integers(12, 100)),
        "side": draw(st.sampled_from(["left", "right", "both"])),
        "condition": draw(st.sampled_from(list(Condition))).value,
        "factors": [f.value for f in draw(_subset(Factor))],
        "pain": {
            # Severe rest or daily pain (≥ 7) is itself a red flag: only drawn with flags.
            "rest": draw(st.integers(0, 10 if flags else 6)),
            "running": draw(st.integers(0, 10)),
            "daily": draw(st.integers(0, 10 if flags else 6)),
        },
        "red_flags": flags,
        "start_date": draw(st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31))).isoformat(),
        "timezone": draw(st.sampled_from(ZONES)),
        "availability": {
            "days": [d.value for d in days],
            "time": f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}",
        },
        "equipment": [e.value for e in draw(_subset(PROFILE_EQUIPMENT))],
        "cross_training": [c.value for c in draw(_subset(CrossTraining))],
        "baseline_weekly_km": draw(st.integers(0, 120)),
        "goal_weekly_km": draw(st.integers(3, 120)),
        "units": draw(st.sampled_from(["km", "mi"])),
    }
    if cleared:
        data["cleared_by_clinician"] = True
        data["clinician_note"] = "Examined on the day of assessment; safe to load gradually."
    return Profile.model_validate(data)


@SETTINGS
@given(profile=st.one_of(profiles(), profiles(cleared=True)))
def test_every_plan_obeys_the_rules(profile, invariants):
    library, protocol = default_library(), default_protocol()
    assert not screen(profile).refer
    plan = build_plan(profile, library, protocol)
    if profile.cleared_by_clinician:
        assert plan.patient.clinician_note == profile.clinician_note
        assert plan.advice[-1].topic == "clinician_clearance"
    invariants.check_all(plan, profile, library, protocol)


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
    invariants.check_all(new, profile, library, protocol)
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
    """Check-ins that report easy sessions leave the plan exactly as it was (same bytes)."""
    library, protocol = default_library(), default_protocol()
    profile = data.draw(profiles())
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
