"""The shipped exercise library and phase model: valid, complete and clinically coherent."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from rehabplan.library import load_library, why_excluded
from rehabplan.paths import exercises_dir
from rehabplan.vocab import (
    HOUSEHOLD,
    Condition,
    ExerciseType,
    Phase,
    Region,
    Tag,
)

HIP = {Region.HIP_ABDUCTORS, Region.HIP_EXTERNAL_ROTATORS, Region.GLUTES}


def test_shipped_library_validates_and_is_large_enough(library):
    assert len(library) >= 35
    assert load_library(exercises_dir()).exercises.keys() == library.exercises.keys()


def test_every_illustration_is_an_svg_drawing(library):
    for ex in library:
        path = library.illustration_path(ex)
        root = ET.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", path
        # our own drawing, no embedded bitmaps or scripts
        text = path.read_text(encoding="utf-8")
        assert "<image" not in text and "<script" not in text, path


@pytest.mark.parametrize(
    ("what", "matches"),
    [
        ("quadriceps isometric", lambda e: Region.QUADRICEPS in e.regions
         and e.type is ExerciseType.ISOMETRIC),
        ("quadriceps isotonic", lambda e: Region.QUADRICEPS in e.regions
         and e.type is ExerciseType.ISOTONIC),
        ("quadriceps eccentric", lambda e: Region.QUADRICEPS in e.regions
         and e.type is ExerciseType.ECCENTRIC),
        ("hamstrings", lambda e: Region.HAMSTRINGS in e.regions),
        ("hip abductors", lambda e: Region.HIP_ABDUCTORS in e.regions),
        ("hip external rotators", lambda e: Region.HIP_EXTERNAL_ROTATORS in e.regions),
        ("adductors", lambda e: Region.ADDUCTORS in e.regions),
        ("calves", lambda e: Region.CALVES in e.regions),
        ("soleus", lambda e: Region.SOLEUS in e.regions),
        ("core", lambda e: Region.CORE in e.regions),
        ("balance", lambda e: e.type is ExerciseType.BALANCE),
        ("quadriceps stretch", lambda e: e.type is ExerciseType.STRETCH
         and Region.QUADRICEPS in e.regions),
        ("hamstring stretch", lambda e: e.type is ExerciseType.STRETCH
         and Region.HAMSTRINGS in e.regions),
        ("calf stretch", lambda e: e.type is ExerciseType.STRETCH
         and ({Region.CALVES, Region.SOLEUS} & set(e.regions))),
        ("hip flexor stretch", lambda e: e.type is ExerciseType.STRETCH
         and Region.HIP_FLEXORS in e.regions),
        ("bike", lambda e: e.type is ExerciseType.CARDIO and "bike" in e.equipment),
        ("swimming or pool running", lambda e: e.type is ExerciseType.CARDIO
         and "pool" in e.equipment),
        ("elliptical", lambda e: e.type is ExerciseType.CARDIO and "elliptical" in e.equipment),
        ("plyometrics", lambda e: e.type is ExerciseType.PLYOMETRIC),
        ("recovery items", lambda e: e.type is ExerciseType.RECOVERY),
    ],
)  # fmt: skip
def test_library_covers(library, what, matches):
    assert [e.id for e in library if matches(e)], f"no exercise for {what}"


def test_ice_compression_and_elevation_are_in_the_library(library):
    names = " ".join(e.name.lower() + " " + e.summary.lower() for e in library
                     if e.type is ExerciseType.RECOVERY)  # fmt: skip
    for word in ("ice", "compression", "elevat"):
        assert word in names


def test_ice_dose_is_15_to_20_minutes(library):
    ice = [e for e in library if e.type is ExerciseType.RECOVERY and "ice" in e.name.lower()]
    assert ice
    for ex in ice:
        for dose in ex.dose.values():
            assert dose.duration_min is not None and 15 <= dose.duration_min <= 20


def test_no_impact_or_plyometrics_in_the_acute_phase(library):
    for ex in library:
        if Phase.ACUTE in ex.phases:
            assert ex.type is not ExerciseType.PLYOMETRIC, ex.id
            assert Tag.IMPACT not in ex.tags, ex.id


def test_progressions_and_regressions_point_both_ways(library):
    for ex in library:
        if ex.progression:
            harder = library.get(ex.progression)
            assert harder.regression in (ex.id, None) or harder.regression in library, ex.id


@pytest.mark.parametrize("condition", list(Condition))
@pytest.mark.parametrize("phase", [Phase.ACUTE, Phase.STRENGTHENING, Phase.RETURN_TO_RUN])
def test_a_patient_with_no_equipment_still_has_options(library, protocol, condition, phase):
    """Every condition, every phase: quads, hips and mobility are possible with household items."""
    restrictions = protocol.conditions[condition].restrictions
    allowed = [
        ex
        for ex in library
        if why_excluded(
            ex, condition=condition, phase=phase, have=HOUSEHOLD, restrictions=restrictions
        )
        is None
    ]
    regions = {r for ex in allowed for r in ex.regions}
    assert Region.QUADRICEPS in regions, (condition, phase)
    assert regions & HIP, (condition, phase)
    assert any(ex.type in (ExerciseType.STRETCH, ExerciseType.MOBILITY) for ex in allowed)


@pytest.mark.parametrize("condition", [Condition.MCL_SPRAIN_GRADE_1, Condition.MCL_SPRAIN_GRADE_2])
@pytest.mark.parametrize("phase", [Phase.ACUTE, Phase.STRENGTHENING])
def test_mcl_sprains_never_get_sideways_knee_stress_early(library, protocol, condition, phase):
    """Valgus stress (lateral bounds, Copenhagen planks) waits until the ligament is stable."""
    everything = frozenset(HOUSEHOLD) | {
        "band",
        "dumbbells",
        "kettlebell",
        "gym",
        "foam_roller",
        "balance_pad",
        "bike",
        "pool",
        "elliptical",
    }
    restrictions = protocol.conditions[condition].restrictions
    for ex in library:
        if {Tag.VALGUS_STRESS, Tag.PIVOTING} & set(ex.tags) and phase in ex.phases:
            reason = why_excluded(
                ex, condition=condition, phase=phase, have=everything, restrictions=restrictions
            )
            assert reason is not None, ex.id


def test_meniscus_irritation_never_gets_deep_loaded_squats_early(library, protocol):
    condition = Condition.MEDIAL_MENISCUS_IRRITATION
    restrictions = protocol.conditions[condition].restrictions
    for phase in (Phase.ACUTE, Phase.STRENGTHENING):
        for ex in library:
            if Tag.DEEP_FLEXION in ex.tags and phase in ex.phases:
                assert why_excluded(
                    ex, condition=condition, phase=phase, have=HOUSEHOLD, restrictions=restrictions
                ), ex.id


def test_every_contraindication_excludes_its_exercise(library):
    """A card that is contraindicated for a condition is never given for it, in any phase
    and with every piece of kit: ``why_excluded`` says so, and the exercise list agrees."""
    from rehabplan.library import why_excluded
    from rehabplan.vocab import Equipment

    everything = frozenset(Equipment)
    pairs = [(ex, c.condition) for ex in library for c in ex.contraindications]
    assert len(pairs) >= 10, "the library carries its contraindications"
    for ex, condition in pairs:
        for phase in ex.phases:
            reason = why_excluded(ex, condition=condition, phase=phase, have=everything)
            assert reason and "contraindicated" in reason, (ex.id, condition, phase)
        assert ex not in library.filter(safe_for=condition)
        others = [c for c in type(condition) if c not in {x.condition for x in
                                                          ex.contraindications}]  # fmt: skip
        for other in others:
            assert why_excluded(ex, condition=other, phase=ex.phases[0], have=everything) is None
