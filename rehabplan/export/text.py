"""Plain-text formatting of plan pieces, shared by the handout and the calendar.

Keeping dose and interval wording in one place means the PDF card, the diary and the
calendar event say exactly the same thing about the same session.
"""

from __future__ import annotations

import datetime as dt

from rehabplan.models.plan import PlannedExercise, RunWalk, Session
from rehabplan.vocab import Condition, SessionKind

KIND_LABEL: dict[SessionKind, str] = {
    SessionKind.STRENGTH: "Strength",
    SessionKind.MOBILITY: "Mobility",
    SessionKind.CROSS_TRAINING: "Cross-training",
    SessionKind.RUN_WALK: "Run/walk",
    SessionKind.RECOVERY: "Recovery",
    SessionKind.REVIEW: "Review",
}

CONDITION_SHORT: dict[Condition, str] = {
    Condition.PES_ANSERINE_BURSITIS: "pes anserine bursitis",
    Condition.MCL_SPRAIN_GRADE_1: "MCL sprain, grade 1",
    Condition.MCL_SPRAIN_GRADE_2: "MCL sprain, grade 2",
    Condition.MEDIAL_MENISCUS_IRRITATION: "medial meniscus irritation",
    Condition.MEDIAL_KNEE_OSTEOARTHRITIS: "medial knee osteoarthritis",
    Condition.PATELLOFEMORAL_PAIN: "patellofemoral pain",
    Condition.NONSPECIFIC_MEDIAL_KNEE_PAIN: "inner knee pain",
}

# Short calendar-grid labels for the usual cross-training exercises; others use "Cardio".
_CROSS_SHORT = {
    "stationary_bike": "Bike",
    "swimming": "Swim",
    "pool_running": "Deep-water run",
    "elliptical": "Elliptical",
    "brisk_walking": "Walk",
}


def dose_text(ex: PlannedExercise) -> str:
    """``3 × 12``, ``5 × 30 s hold``, ``20 min`` plus load and rest, as one line."""
    core, extras = dose_parts(ex)
    return ", ".join([core, *extras])


def dose_parts(ex: PlannedExercise) -> tuple[str, list[str]]:
    """The dose as (core amount, [side, load, rest]) so repeats can be left out."""
    if ex.duration_min and not ex.reps:
        core = f"{ex.duration_min} min" if ex.sets == 1 else f"{ex.sets} × {ex.duration_min} min"
    elif ex.reps and ex.hold_s:
        core = f"{ex.sets} × {ex.reps} (hold {ex.hold_s} s)"
    elif ex.reps:
        core = f"{ex.sets} × {ex.reps}"
    elif ex.hold_s:
        core = f"{ex.sets} × {ex.hold_s} s hold"
    else:
        core = f"{ex.sets} set" + ("s" if ex.sets != 1 else "")
    extras = []
    if ex.side != "both":
        extras.append(f"{ex.side} leg")
    if ex.load:
        extras.append(ex.load)
    if ex.rest_s:
        extras.append(f"rest {ex.rest_s} s")
    return core, extras


def intervals_text(rw: RunWalk) -> str:
    """The run/walk prescription in one sentence a runner can follow on the road."""
    if rw.walk_min == 0 or rw.repeats <= 1:
        main = f"run {rw.run_min * max(rw.repeats, 1)} min continuously at an easy pace"
    else:
        main = f"{rw.repeats} × (run {rw.run_min} min, walk {rw.walk_min} min)"
    return f"Warm up 5 min walking; then {main}; cool down 5 min walking."


def short_label(session: Session) -> str:
    """A few characters for the calendar grid and diary: ``Strength``, ``Run/walk 3``, ``Bike``."""
    if session.kind is SessionKind.RUN_WALK and session.run_walk is not None:
        rw = session.run_walk
        if rw.walk_min == 0:
            return f"Run {rw.run_min * max(rw.repeats, 1)} min"
        return f"Run/walk {rw.stage}"
    if session.kind is SessionKind.CROSS_TRAINING and session.exercises:
        return _CROSS_SHORT.get(session.exercises[0].exercise_id, "Cardio")
    return KIND_LABEL[session.kind]


def day_text(d: dt.date) -> str:
    """``Mon 4 May 2026``: unambiguous on both sides of the Atlantic."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def short_day(d: dt.date) -> str:
    """``Mon 4 May``."""
    return f"{d:%a} {d.day} {d:%b}"


def side_text(side: str) -> str:
    return "both knees" if side == "both" else f"{side} knee"
