"""The library's cards follow the norms a sports physiotherapist signs (CLINICAL-REFERENCE §4,
§5 and §7), read from the shipped data: one pain rule, doses, load, balance, hops, coverage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rehabplan.models.exercise import PAIN_NUMBER, Exercise
from rehabplan.vocab import Equipment, ExerciseType, LoadKit, Phase


def patient_texts(ex: Exercise) -> Iterator[tuple[str, str]]:
    """Every sentence of a card a patient reads, with the field it comes from."""
    yield "summary", ex.summary
    yield "pain_rule", ex.pain_rule
    for field in ("instructions", "cues", "mistakes"):
        for i, text in enumerate(getattr(ex, field)):
            yield f"{field}[{i}]", text
    for phase, dose in ex.dose.items():
        if dose.load:
            yield f"dose.{phase.value}.load", dose.load
    for kit, text in ex.loading.items():
        yield f"loading.{kit.value}", text
    for c in ex.contraindications:
        yield f"contraindications.{c.condition.value}", c.reason


def test_no_card_states_its_own_pain_numbers(library):
    """The protocol's traffic-light rule gives the thresholds once; a card that says "3 out of
    10" beside it (or "effort 5/10", read as the same scale) contradicts it or confuses it."""
    found = [
        f"{ex.id}.{field}: {text!r}"
        for ex in library
        for field, text in patient_texts(ex)
        if PAIN_NUMBER.search(text)
    ]
    assert not found, "\n".join(found)


def test_every_pain_rule_is_written_for_its_exercise(library):
    """No boilerplate: each card says what to watch for in that movement, so the texts differ."""
    by_text: dict[str, list[str]] = {}
    for ex in library:
        by_text.setdefault(ex.pain_rule, []).append(ex.id)
    shared = {text: ids for text, ids in by_text.items() if len(ids) > 1}
    assert not shared, shared


def doses(library, *types: ExerciseType):
    for ex in library:
        if ex.type in types:
            for phase, dose in ex.dose.items():
                yield ex, phase, dose


def test_isometric_holds_rest_two_minutes(library):
    """§4/§7: 4-5 holds of 30-45 s with 2 min rest. The one other form is the acute phase's
    short daily isometrics (quadriceps sets: about ten holds of 5-10 s with short rests)."""
    wrong = []
    for ex, phase, d in doses(library, ExerciseType.ISOMETRIC):
        long_form = 4 <= d.sets <= 5 and 30 <= (d.hold_s or 0) <= 45 and (d.rest_s or 0) >= 120
        short_daily = phase is Phase.ACUTE and d.sets >= 8 and 5 <= (d.hold_s or 0) <= 10
        if not (long_form or short_daily):
            wrong.append(f"{ex.id} {phase.value}: {d.sets} x {d.hold_s} s, rest {d.rest_s}")
    assert not wrong, wrong


def test_stretches_are_daily_in_every_phase(library):
    """§7: stretches daily, 2-4 x 30 s. A stretch given once a week does nothing."""
    stretches = [ex for ex in library if ex.type is ExerciseType.STRETCH]
    assert len(stretches) >= 5
    for ex in stretches:
        assert set(ex.phases) == set(Phase), ex.id
        for phase, d in ex.dose.items():
            assert d.per_week == 7, (ex.id, phase)
            assert 2 <= d.sets <= 3 and d.hold_s == 30, (ex.id, phase)


def test_isotonic_strength_doses(library):
    """Acute activation 2 x 10-12 with 45-60 s rest; strengthening and return to run
    3 x 8-12 with 60-90 s rest (load or a harder variant does the progressing, not reps);
    eccentrics 3-4 x 6-15 every other day at most."""
    wrong = []
    for ex, phase, d in doses(library, ExerciseType.ISOTONIC):
        reps, rest = d.reps or 0, d.rest_s or 0
        if phase is Phase.ACUTE:
            ok = d.sets == 2 and 10 <= reps <= 12 and 45 <= rest <= 60
        else:
            ok = d.sets == 3 and 8 <= reps <= 12 and 60 <= rest <= 90
        if not ok:
            wrong.append(f"{ex.id} {phase.value}: {d.sets} x {d.reps}, rest {d.rest_s}")
    for ex, phase, d in doses(library, ExerciseType.ECCENTRIC):
        if not (3 <= d.sets <= 4 and 6 <= (d.reps or 0) <= 15 and 60 <= (d.rest_s or 0) <= 120):
            wrong.append(f"{ex.id} {phase.value}: {d.sets} x {d.reps}, rest {d.rest_s}")
        if d.per_week > 3:
            wrong.append(f"{ex.id} {phase.value}: {d.per_week} times a week")
    assert not wrong, wrong


def test_balance_is_short_holds_on_most_days(library):
    """§4/§7: 3 x 30 s on each leg, 30 s rest, daily or most days."""
    balance = [ex for ex in library if ex.type is ExerciseType.BALANCE]
    assert len(balance) >= 4
    for ex in balance:
        for phase, d in ex.dose.items():
            assert d.sets == 3 and (d.rest_s or 0) <= 30 and d.per_week >= 5, (ex.id, phase)
            assert d.hold_s in (None, 30) and (d.hold_s or d.reps), (ex.id, phase)


# Strength exercises that rightly have neither a load option nor a harder variant: control
# drills whose difficulty is range, tempo or position, or already the top of their chain.
NO_LOAD_NO_VARIANT = {
    "dead_bug": "trunk control; progresses by a longer reach and a slower tempo",
    "bird_dog": "trunk and hip control on all fours; progresses by longer holds",
    "marching_drill": "a running drill, not a strength exercise",
    "short_foot": "progresses by position: seated, standing, then on one leg",
    "hip_airplane": "a control exercise at the end of its chain",
    "straight_leg_raise": "early activation; loaded thigh work replaces it",
    "nordic_hamstring_curl": "body weight is already the heaviest safe hamstring load",
}


def test_every_strength_exercise_progresses_by_load_or_variant(library):
    """§7: strength progresses by load (the kit the patient has) or a harder variant, not by
    adding reps for ever; an exercise with neither stalls the plan at its first dose."""
    stuck = [
        ex.id
        for ex in library
        if ex.type in (ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC)
        and not ex.loading
        and ex.progression is None
        and ex.id not in NO_LOAD_NO_VARIANT
    ]
    assert not stuck, stuck
    assert set(NO_LOAD_NO_VARIANT) <= set(library.exercises)


@pytest.mark.parametrize(
    ("exercise_id", "kits"),
    [
        ("glute_bridge", {LoadKit.DUMBBELLS, LoadKit.KETTLEBELL, LoadKit.BACKPACK}),
        ("single_leg_calf_raise", {LoadKit.DUMBBELLS, LoadKit.BACKPACK}),
        ("double_leg_calf_raise", {LoadKit.DUMBBELLS, LoadKit.BACKPACK}),
        ("split_squat", {LoadKit.DUMBBELLS, LoadKit.KETTLEBELL, LoadKit.BACKPACK}),
        ("sit_to_stand", {LoadKit.DUMBBELLS, LoadKit.KETTLEBELL, LoadKit.BACKPACK}),
        ("step_up", {LoadKit.DUMBBELLS, LoadKit.BACKPACK}),
        ("leg_press", {LoadKit.GYM}),
        ("clamshell_band", {LoadKit.BAND}),
        ("dead_bug", set()),
        ("bird_dog", set()),
        ("clamshell", set()),
    ],
)
def test_load_options_fit_the_exercise(library, exercise_id, kits):
    """What a physiotherapist would hand: weights on the hips for a bridge, in the hand for
    a calf raise, machine weight on a leg press; none for trunk-control work."""
    given = set(library.get(exercise_id).loading)
    assert kits <= given if kits else not given, (exercise_id, given)


def test_the_kit_an_exercise_needs_is_how_it_gets_heavier(library):
    """A band exercise gets a stronger band, a gym machine more weight: otherwise the planner
    could not progress the very kit the exercise is built on."""
    for ex in library:
        if ex.type not in (ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC):
            continue
        for kit in (LoadKit.BAND, LoadKit.GYM):
            if Equipment(kit.value) in ex.equipment:
                assert kit in ex.loading, (ex.id, kit)


def test_loaded_exercises_are_lowered_slowly(library):
    """§4: slow tempo, about 3 s down, is part of the dose once load goes on."""
    for ex in library:
        if ex.loading:
            text = " ".join(ex.instructions + ex.cues).lower()
            assert "slow" in text or "seconds" in text, ex.id
