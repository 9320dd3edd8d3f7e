"""Profile messages a physiotherapist can act on: file, field, allowed values, what was typed."""

from __future__ import annotations

import datetime as dt
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
        "runner.yaml: availability.time: must be a time written HH:MM (24-hour, e.g. 07:30), "
        "got '25:00'",
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


def _problems_in(tmp_path, text: str, name: str = "runner.yaml") -> list[str]:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputError) as info:
        read_profile(path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def _yaml(base_profile, **replace: str) -> str:
    """The base profile as YAML a person would type, with some lines replaced verbatim."""
    lines = yaml.safe_dump(base_profile, allow_unicode=True, sort_keys=False).splitlines()
    out = []
    for line in lines:
        key = line.split(":", 1)[0]
        out.append(f"{key}: {replace.pop(key)}" if key in replace and not line[0].isspace()
                   else line)  # fmt: skip
    out += [f"{k}: {v}" for k, v in replace.items()]
    return "\n".join(out) + "\n"


def test_unquoted_yaml_dates_and_times_are_read_as_typed(tmp_path, base_profile):
    """YAML 1.1 would read 07:30 as the number 450 and crash on 2026-02-30."""
    base_profile.pop("availability")
    path = tmp_path / "runner.yaml"
    path.write_text(_yaml(base_profile, start_date="2026-03-02", language="no")
                    + "availability:\n  days: [mon, thu]\n  time: 07:30\n", "utf-8")  # fmt: skip
    profile = read_profile(path)
    assert profile.availability.time == dt.time(7, 30)
    assert profile.start_date == dt.date(2026, 3, 2)
    assert profile.language == "no"  # Norwegian, not false
    base_profile["availability"] = {"days": ["mon"], "time": "07:30"}
    assert _problems_in(tmp_path, _yaml(base_profile, start_date="2026-02-30")) == [
        "runner.yaml: start_date: is not a real calendar date (no such day or month), "
        "got '2026-02-30'"
    ]


@pytest.mark.parametrize("typed", ["730", "7", "18.5"])
def test_a_bare_number_as_the_time_is_refused(tmp_path, base_profile, typed):
    base_profile["availability"] = {"days": ["mon"], "time": "TIME"}
    (problem,) = _problems_in(tmp_path, _yaml(base_profile).replace("TIME", typed))
    assert problem.startswith("runner.yaml: availability.time: must be a time written HH:MM")
    assert problem.endswith(f"got {typed}")


@pytest.mark.parametrize("year", ["1900", "0001", "9999", "2200"])
def test_start_dates_in_another_century_are_refused(tmp_path, base_profile, year):
    (problem,) = _problems_in(tmp_path, _yaml(base_profile, start_date=f"{year}-06-01"))
    assert problem == (
        f"runner.yaml: start_date: must be between 2000-01-01 and 2099-12-31, got {year}-06-01 "
        "(check the year)"
    )


def test_a_key_given_twice_is_an_error(tmp_path, base_profile):
    text = _yaml(base_profile) + "age: 61\n"
    (problem,) = _problems_in(tmp_path, text)
    assert "the key 'age' appears twice" in problem and problem.startswith("runner.yaml")


@pytest.mark.parametrize("name", ["runner.yaml", "runner.json"])
def test_deep_nesting_is_reported_not_a_crash(tmp_path, name):
    (problem,) = _problems_in(tmp_path, "[" * 100_000, name)
    assert problem.startswith(f"{name}: ")


def test_json_with_a_byte_order_mark_is_read(tmp_path, base_profile):
    path = tmp_path / "runner.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(base_profile).encode())
    assert read_profile(path).patient_id == base_profile["patient_id"]


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        ("name", "Line one\nLine two", "U+000A"),
        ("name", "Ana\u202eexe.png", "U+202E"),
        ("name", "Bell\x07", "U+0007"),
        ("clinician_note", "ok\x1b[31m", "U+001B"),
    ],
)
def test_control_characters_in_names_and_notes_are_refused(
    tmp_path, base_profile, field, value, found
):
    base_profile[field] = value
    if field == "clinician_note":
        base_profile["cleared_by_clinician"] = False
    (problem,) = _problems(tmp_path, base_profile, "runner.json")
    assert problem.startswith(f"runner.json: {field}: must be plain text") and found in problem


def test_a_clinician_note_may_have_several_lines(make_profile):
    profile = make_profile(clinician_note="Seen 3 March.\r\nCleared by Dr Ruiz.\n")
    assert profile.clinician_note == "Seen 3 March.\nCleared by Dr Ruiz."


def test_true_and_false_are_not_numbers(tmp_path, base_profile):
    base_profile["age"] = True
    base_profile["pain"]["rest"] = False
    assert _problems(tmp_path, base_profile, "runner.json") == [
        "runner.json: age: must be a number, got true",
        "runner.json: pain.rest: must be a number, got false",
    ]


def test_a_very_long_bad_patient_id_is_not_echoed_in_full(tmp_path, base_profile):
    base_profile["patient_id"] = "x y" * 3000
    (problem,) = _problems(tmp_path, base_profile, "runner.json")
    assert len(problem) < 400 and problem.endswith("…'")
