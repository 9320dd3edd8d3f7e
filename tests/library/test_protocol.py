"""The phase model carries the clinical reference's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rehabplan.errors import InputError
from rehabplan.paths import protocol_file
from rehabplan.protocol import load_protocol
from rehabplan.vocab import Condition, Phase


def test_phase_ranges_follow_the_source_article(protocol):
    assert (protocol.phases[Phase.ACUTE].weeks.min, protocol.phases[Phase.ACUTE].weeks.max) == (
        1,
        2,
    )
    strengthening = protocol.phases[Phase.STRENGTHENING].weeks
    assert (strengthening.min, strengthening.max) == (2, 6)


def test_every_condition_has_adjustments(protocol):
    assert set(protocol.conditions) == set(Condition)
    for condition, spec in protocol.conditions.items():
        assert spec.plain and spec.cautions, condition
        assert 1 <= spec.acute_weeks.min <= spec.acute_weeks.max <= 2, condition


def test_condition_durations_match_the_reference_table(protocol):
    c = protocol.conditions
    assert (
        c[Condition.MCL_SPRAIN_GRADE_2].acute_weeks.min,
        c[Condition.MCL_SPRAIN_GRADE_2].acute_weeks.max,
    ) == (2, 2)
    # A grade 1 sprain runs again by day 7-21 (§7; return to play ≈ 11 days): strengthening
    # before the first run is 1-2 weeks and goes on beside the running.
    assert (
        c[Condition.MCL_SPRAIN_GRADE_1].strengthening_weeks.min,
        c[Condition.MCL_SPRAIN_GRADE_1].strengthening_weeks.max,
    ) == (1, 2)
    assert (
        c[Condition.PES_ANSERINE_BURSITIS].strengthening_weeks.min,
        c[Condition.PES_ANSERINE_BURSITIS].strengthening_weeks.max,
    ) == (3, 5)
    assert c[Condition.MEDIAL_KNEE_OSTEOARTHRITIS].walking_first


def test_first_run_windows_are_the_reference_timelines(protocol):
    """CLINICAL-REFERENCE §7, "Timelines by condition"."""
    c = protocol.conditions
    window = lambda cond: (c[cond].first_run.earliest, c[cond].first_run.latest)  # noqa: E731
    assert window(Condition.MCL_SPRAIN_GRADE_1) == (7, 21)
    assert c[Condition.MCL_SPRAIN_GRADE_1].first_run.mild_latest == 14
    assert 3 <= c[Condition.MCL_SPRAIN_GRADE_1].mild_entry_stage <= 5
    assert window(Condition.MCL_SPRAIN_GRADE_2) == (28, 42)
    for cond in (Condition.PES_ANSERINE_BURSITIS, Condition.PATELLOFEMORAL_PAIN,
                 Condition.NONSPECIFIC_MEDIAL_KNEE_PAIN):  # fmt: skip
        assert window(cond) == (21, 49)
    assert window(Condition.MEDIAL_MENISCUS_IRRITATION) == (35, 56)
    assert c[Condition.MEDIAL_KNEE_OSTEOARTHRITIS].first_run.earliest >= 42
    assert c[Condition.MCL_SPRAIN_GRADE_1].plan_weeks_max_mild == 10
    assert c[Condition.MEDIAL_KNEE_OSTEOARTHRITIS].plan_weeks_max == 26
    assert {c[x].plan_weeks_max for x in c if x is not Condition.MEDIAL_KNEE_OSTEOARTHRITIS} == {18}


def test_run_walk_stages_are_the_reference_progression(protocol):
    table = [(s.walk_min, s.run_min, s.repeats) for s in protocol.run_walk.stages]
    assert table == [(4, 1, 6), (3, 2, 6), (2, 3, 6), (2, 4, 5), (1, 5, 5), (1, 8, 3),
                     (1, 10, 3), (0, 20, 1), (0, 30, 1)]  # fmt: skip
    assert protocol.run_walk.continuous.weekly_increase_max == pytest.approx(0.10)
    assert protocol.run_walk.continuous.longest_run_max == pytest.approx(1.10)


def test_pain_thresholds_follow_the_pain_monitoring_model(protocol):
    assert protocol.pain.progress_max_during == 3
    assert protocol.pain.hold_max_during == 5
    assert protocol.pain.strict_progress_max_during == 2
    assert {Condition.MCL_SPRAIN_GRADE_1, Condition.MCL_SPRAIN_GRADE_2} <= set(
        protocol.pain.strict_conditions
    )


def test_a_broken_protocol_names_file_and_fields(tmp_path: Path):
    data = yaml.safe_load(protocol_file().read_text(encoding="utf-8"))
    data["phases"]["acute"]["weeks"] = {"min": 3, "max": 1}
    del data["conditions"]["patellofemoral_pain"]
    data["run_walk"]["stages"][0]["repeats"] = 99
    data["pain"]["hold_max_during"] = 2  # below progress_max_during: a hole in the table
    broken = tmp_path / "protocol.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_protocol(broken)
    text = str(info.value)
    assert str(broken) in text
    assert "phases.acute.weeks" in text and "must not exceed" in text
    assert "run_walk.stages[0].repeats: must be between 1 and 20, got 99" in text
    assert "pain: hold_max_during (2) must be at least progress_max_during (3)" in text
