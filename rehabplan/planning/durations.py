"""How long a session really takes: the number in ``duration_min``.

A home programme that says 20 minutes and takes 45 is not done, so the count is honest:
every set of every exercise at its tempo or hold, both legs for one-sided work, the
prescribed rests between sets, a little time to set up each exercise, and the warm-up.
Home care (ice, compression, elevation) is done through the day and never counted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rehabplan.library import Library
from rehabplan.models.plan import PlannedExercise
from rehabplan.vocab import ExerciseType, Laterality

TEMPO_S = 4
"""One repetition at the prescribed slow tempo (about 3 s down, 1 s up)."""
SETUP_S = 30
"""Getting into position, picking up the weight or band, reading the card."""
LIGHT_SETUP_S = 15
"""Setting up a stretch, a balance hold or a range-of-motion exercise."""
LIGHT = frozenset({ExerciseType.STRETCH, ExerciseType.MOBILITY, ExerciseType.BALANCE})
SWITCH_S = 10
"""Changing legs between the two sides of a set."""
DEFAULT_REST_S = {
    ExerciseType.ISOMETRIC: 120,
    ExerciseType.STRETCH: 10,
    ExerciseType.MOBILITY: 15,
    ExerciseType.BALANCE: 15,
}
DEFAULT_REST = 60


def item_seconds(item: PlannedExercise, library: Library) -> int:
    """Seconds one planned exercise takes, rests between its sets included."""
    ex = library.get(item.exercise_id)
    if ex.type is ExerciseType.RECOVERY:
        return 0
    if item.duration_min and not item.reps and not item.hold_s:
        return item.duration_min * 60 * item.sets
    sides = 2 if ex.laterality is Laterality.UNILATERAL and item.side == "both" else 1
    work = (item.reps or 1) * (item.hold_s or TEMPO_S) if item.reps else (item.hold_s or 0)
    if item.duration_min and not work:
        work = item.duration_min * 60
    rest = item.rest_s if item.rest_s is not None else DEFAULT_REST_S.get(ex.type, DEFAULT_REST)
    if sides == 2:  # each leg rests while the other works
        rest = max(SWITCH_S, rest - work - SWITCH_S)
    per_set = sides * work + (sides - 1) * SWITCH_S
    setup = LIGHT_SETUP_S if ex.type in LIGHT else SETUP_S
    return setup + item.sets * per_set + (item.sets - 1) * rest


def work_minutes(items: Iterable[PlannedExercise], library: Library) -> float:
    return sum(item_seconds(i, library) for i in items) / 60


def session_minutes(
    items: Iterable[PlannedExercise], library: Library, *, extra_min: float = 0, step: int = 5
) -> int:
    """The session's length in whole ``step`` minutes (rounded up), ``extra_min`` (a warm-up,
    a run/walk) included; never 0 for a session that holds something."""
    total = work_minutes(items, library) + extra_min
    return max(step, step * math.ceil(total / step - 1e-9))
