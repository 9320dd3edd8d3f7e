"""Red-flag screening: each sign alone refers with the right urgency; a clinician may clear it."""

from __future__ import annotations

import pytest

from rehabplan.planner import build_plan
from rehabplan.screening import referral_for, screen
from rehabplan.vocab import RedFlag

# Urgency expected from the brief: trauma with immediate swelling is an emergency; signs of
# infection or a locked joint need a doctor within a day; the rest within a week.
EXPECTED_URGENCY = {
    RedFlag.PERSISTENT_PAIN_DESPITE_REST: "within_a_week",
    RedFlag.SWELLING_WARMTH_REDNESS: "within_24_hours",
    RedFlag.LIMITED_RANGE_OF_MOTION: "within_a_week",
    # The article: giving way "could indicate ligament injuries ... which require immediate
    # attention".
    RedFlag.INSTABILITY: "within_24_hours",
    RedFlag.PAIN_IN_DAILY_ACTIVITIES: "within_a_week",
    RedFlag.LOCKING: "within_24_hours",
    RedFlag.FEVER: "within_24_hours",
    RedFlag.TRAUMA_WITH_IMMEDIATE_SWELLING: "emergency",
    # CLINICAL-REFERENCE §7: Ottawa knee rule (cannot bear weight: same-day X-ray), a
    # possible deep-vein thrombosis (same day), serious pathology and nerve signs (within a
    # day), hip or groin pain in an adult (within a week; a young runner: within a day).
    RedFlag.UNABLE_TO_BEAR_WEIGHT: "emergency",
    RedFlag.CALF_PAIN_OR_SWELLING: "emergency",
    RedFlag.NIGHT_PAIN_OR_UNWELL: "within_24_hours",
    RedFlag.NUMBNESS_TINGLING_WEAKNESS: "within_24_hours",
    RedFlag.HIP_OR_GROIN_PAIN: "within_a_week",
}


@pytest.mark.parametrize("flag", list(RedFlag))
def test_each_red_flag_alone_refers(make_profile, flag):
    profile = make_profile(red_flags={flag.value: True})
    result = screen(profile)
    assert result.refer and result.flags == [flag] and not result.overridden
    referral = referral_for(profile, result)
    assert referral.urgency_level == EXPECTED_URGENCY[flag]
    assert [f["flag"] for f in referral.findings] == [flag.value]
    finding = referral.findings[0]
    assert finding["finding"] and finding["why"]
    assert referral.patient_id == profile.patient_id and referral.patient_name == "Zoë O'Brien"
    assert any("run" in line for line in referral.advice_meanwhile)
    assert any("cloth" in line for line in referral.advice_meanwhile)


def test_hip_or_groin_pain_in_a_young_runner_is_seen_within_a_day(make_profile):
    young = make_profile(age=15, red_flags={"hip_or_groin_pain": True})
    referral = referral_for(young, screen(young))
    assert referral.urgency_level == "within_24_hours"
    assert "hip or groin" in referral.see
    adult = make_profile(age=40, red_flags={"hip_or_groin_pain": True})
    assert referral_for(adult, screen(adult)).urgency_level == "within_a_week"


def test_most_urgent_flag_wins_and_fever_with_a_hot_knee_is_an_emergency(make_profile):
    both = make_profile(red_flags={"instability": True, "locking": True})
    assert referral_for(both, screen(both)).urgency_level == "within_24_hours"
    hot = make_profile(red_flags={"fever": True, "swelling_warmth_redness": True})
    referral = referral_for(hot, screen(hot))
    assert referral.urgency_level == "emergency"
    assert "emergency" in referral.see


def test_whom_to_see_depends_on_the_signs(make_profile):
    unstable = make_profile(red_flags={"instability": True})
    assert "orthopaedic" in referral_for(unstable, screen(unstable)).see
    trauma = make_profile(red_flags={"trauma_with_immediate_swelling": True})
    assert "emergency department" in referral_for(trauma, screen(trauma)).see
    locked = make_profile(red_flags={"locking": True})
    assert "will not straighten" in referral_for(locked, screen(locked)).see


def test_moderate_pain_alone_does_not_refer(make_profile):
    profile = make_profile(pain={"rest": 6, "running": 10, "daily": 6})
    result = screen(profile)
    assert not result.refer and result.flags == []


@pytest.mark.parametrize(
    ("pain", "flag"),
    [
        ({"rest": 1, "running": 5, "daily": 7}, RedFlag.PAIN_IN_DAILY_ACTIVITIES),
        ({"rest": 8, "running": 5, "daily": 2}, RedFlag.PERSISTENT_PAIN_DESPITE_REST),
    ],
)
def test_severe_pain_at_rest_or_in_daily_life_refers_even_unticked(make_profile, pain, flag):
    """The reference: see a doctor for pain in daily activities and pain despite rest. A
    score of 7-10 is that sign whether or not the box was ticked."""
    profile = make_profile(pain=pain)
    result = screen(profile)
    assert result.refer and result.flags == [flag]
    note = "Examined today: irritable bursa, safe to load."
    cleared = make_profile(pain=pain, cleared_by_clinician=True, clinician_note=note)
    assert not screen(cleared).refer


def test_clinician_override_gives_a_plan_that_shows_the_note(make_profile, library, protocol):
    note = "Seen by Dr. Ana Silva on 2026-02-27: no effusion, ligaments stable."
    profile = make_profile(
        red_flags={"instability": True}, cleared_by_clinician=True, clinician_note=note
    )
    result = screen(profile)
    assert not result.refer and result.overridden and result.flags == [RedFlag.INSTABILITY]
    plan = build_plan(profile, library, protocol)
    assert plan.patient.cleared_by_clinician and plan.patient.clinician_note == note
    (entry,) = [a for a in plan.advice if a.topic == "clinician_clearance"]
    assert note in entry.text and "knee giving way" in entry.text


def test_previous_injury_is_not_a_stopper_but_makes_the_plan_careful(
    make_profile, library, protocol
):
    plain = make_profile(factors=[], pain={"rest": 1, "running": 4, "daily": 2})
    injured = make_profile(factors=["previous_injury"], pain={"rest": 1, "running": 4, "daily": 2})
    assert not screen(injured).refer
    a, b = build_plan(plain, library, protocol), build_plan(injured, library, protocol)
    # pes anserine: acute 1–2 weeks, strengthening 3–5 weeks; previous injury → the long end,
    # otherwise the middle rounded down (the clinician extends at a review).
    assert [p.weeks for p in b.phases[:2]] == [2, 5]
    assert [p.weeks for p in a.phases[:2]] == [1, 4]
    reviews = lambda plan: [s for s in plan.sessions if s.kind.value == "review"]  # noqa: E731
    assert len(reviews(b)) == len(reviews(a)) + 1
    assert any(a.topic == "previous_injury" for a in b.advice)
