"""Profile messages a physiotherapist can act on: file, field, allowed values, what was typed."""

from __future__ import annotations

import json

import pytest
import yaml

from rehabplan.errors import InputError
from rehabplan.profile_io import read_profile


def _problems(tmp_path, data, name="runner.yaml") -> list[str]:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_profile(path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def test_valid_yaml_and_json_profiles_read_the_same(tmp_path, base_profile):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(base_profile, allow_unicode=True), "utf-8")
    (tmp_path / "a.json").write_text(json.dumps(base_profile, ensure_ascii=False), "utf-8")
    assert read_profile(tmp_path / "a.yaml") == read_profile(tmp_path / "a.json")
    assert read_profile(tmp_path / "a.yaml").name == "Zoë O'Brien"


def test_pain_out_of_range_names_field_range_and_value(tmp_path, base_profile):
    base_profile["pain"]["running"] = 12
    assert _problems(tmp_path, base_profile) == [
        "runner.yaml: pain.running: must be between 0 and 10, got 12"
    ]


def test_unknown_condition_lists_the_known_ones(tmp_path, base_profile):
    base_profile["condition"] = "runners_knee"
    (problem,) = _problems(tmp_path, base_profile)
    assert problem.startswith("runner.yaml: condition: must be one of pes_anserine_bursitis, ")
    for known in (
        "mcl_sprain_grade_1",
        "mcl_sprain_grade_2",
        "medial_meniscus_irritation",
        "medial_knee_osteoarthritis",
        "patellofemoral_pain",
        "nonspecific_medial_knee_pain",
    ):
        assert known in problem
    assert problem.endswith("got 'runners_knee'")


def test_bad_time_zone_is_named_with_a_suggestion(tmp_path, base_profile):
    base_profile["timezone"] = "Europe/Berln"
    (problem,) = _problems(tmp_path, base_profile)
    assert problem.startswith(
        "runner.yaml: timezone: must be an IANA time zone such as Europe/London or "
        "America/New_York, got 'Europe/Berln'"
    )
    assert "did you mean Europe/Berlin" in problem


def test_time_zone_in_the_wrong_case_suggests_the_right_spelling(tmp_path, base_profile):
    base_profile["timezone"] = "america/new_york"
    (problem,) = _problems(tmp_path, base_profile)
    assert "did you mean America/New_York?" in problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2026-02-30",
            "start_date: is not a real calendar date (no such day or month), got '2026-02-30'",
        ),
        ("next monday", "start_date: must be a date written YYYY-MM-DD, got 'next monday'"),
    ],
)
def test_bad_dates_are_named(tmp_path, base_profile, value, expected):
    base_profile["start_date"] = value
    assert _problems(tmp_path, base_profile) == [f"runner.yaml: {expected}"]


def test_bad_weekday_and_time_are_named(tmp_path, base_profile):
    base_profile["availability"] = {"days": ["mon", "funday"], "time": "25:00"}
    assert _problems(tmp_path, base_profile) == [
        "runner.yaml: availability.days[1]: must be one of mon, tue, wed, thu, fri, sat or sun; "
        "got 'funday'",
        "runner.yaml: availability.time: must be a time written HH:MM (24-hour), got '25:00'",
    ]


def test_weekday_names_and_a_csv_cell_are_understood(make_profile):
    profile = make_profile(availability={"days": "Monday; thu;sat", "time": "7:05"})
    assert [d.value for d in profile.availability.days] == ["mon", "thu", "sat"]
    assert profile.availability.time.strftime("%H:%M") == "07:05"


def test_yaml_unquoted_time_is_read_as_the_clock_time(tmp_path, base_profile):
    text = yaml.safe_dump(base_profile, allow_unicode=True).replace("'07:30'", "07:30")
    assert "time: 07:30" in text
    (tmp_path / "p.yaml").write_text(text, "utf-8")
    assert read_profile(tmp_path / "p.yaml").availability.time.strftime("%H:%M") == "07:30"


def test_every_problem_is_reported_at_once(tmp_path, base_profile):
    base_profile.update(
        age=7,
        side="middle",
        factors=["overuse", "bad_luck"],
        equipment=["band", "bike"],
        units="miles",
        conditon="x",
    )
    base_profile["red_flags"] = {"fevr": True}
    problems = _problems(tmp_path, base_profile)
    assert problems == [
        "runner.yaml: age: must be between 12 and 100, got 7",
        "runner.yaml: side: must be one of left, right or both; got 'middle'",
        "runner.yaml: factors[1]: must be one of overuse, muscle_imbalance, overpronation, "
        "footwear, previous_injury, arthritis or anatomical; got 'bad_luck'",
        "runner.yaml: red_flags.fevr: is not a known field (did you mean fever?)",
        "runner.yaml: equipment: bike belongs under cross_training, not equipment",
        "runner.yaml: units: must be one of km or mi; got 'miles'",
        "runner.yaml: conditon: is not a known field (did you mean condition?)",
    ]


def test_patient_id_message_explains_the_allowed_characters(tmp_path, base_profile):
    base_profile["patient_id"] = "María 1"
    (problem,) = _problems(tmp_path, base_profile)
    assert problem.startswith("runner.yaml: patient_id: must be 1 to 64 characters using only")
    assert "got 'María 1'" in problem


def test_clinician_override_needs_a_note(tmp_path, base_profile):
    base_profile["cleared_by_clinician"] = True
    assert _problems(tmp_path, base_profile) == [
        "runner.yaml: clinician_note: is required when cleared_by_clinician is true "
        "(say who cleared the patient, when and why)"
    ]


def test_missing_fields_and_broken_files(tmp_path, base_profile):
    del base_profile["pain"]
    assert _problems(tmp_path, base_profile) == ["runner.yaml: pain: is required but missing"]
    (tmp_path / "broken.yaml").write_text("patient_id: [unclosed\n", "utf-8")
    with pytest.raises(InputError) as info:
        read_profile(tmp_path / "broken.yaml")
    assert "is not valid YAML (line" in str(info.value)
    with pytest.raises(InputError) as info:
        read_profile(tmp_path / "absent.yaml")
    assert str(info.value).endswith("absent.yaml: file not found")


def test_miles_profile_converts_weekly_distances(make_profile):
    profile = make_profile(units="mi", goal_weekly_km=20)
    assert profile.weekly_km(profile.goal_weekly_km) == pytest.approx(32.18688)
    assert make_profile(goal_weekly_km=20).weekly_km(20) == 20
