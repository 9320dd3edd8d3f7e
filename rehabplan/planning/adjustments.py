"""Applying and checking a clinician's adjustments (``profile.adjustments``).

Checking uses the planner's own rules: a swap must be to an exercise ``why_excluded`` allows
for this patient in the phases it applies to, a first run must fall inside the condition's
window on a training day; a change the rules refuse is accepted only with an ``override``
note, which the handout prints. Running in the acute phase is refused whatever the note.
"""

from __future__ import annotations

import math

from rehabplan.errors import InputError, Problem
from rehabplan.library import why_excluded
from rehabplan.models.adjustments import Adjustments
from rehabplan.models.exercise import Exercise
from rehabplan.models.plan import PlannedExercise
from rehabplan.planning.context import Context
from rehabplan.planning.durations import work_minutes
from rehabplan.vocab import Phase

SOURCE = "profile"


def adjustments(ctx: Context) -> Adjustments:
    return ctx.profile.adjustments or Adjustments()


def problems(ctx: Context) -> list[Problem]:
    """Every change the rules refuse and no override accepts, with its field."""
    adj = adjustments(ctx)
    out: list[Problem] = []
    for i, change in enumerate(adj.exercises):
        where = f"adjustments.exercises[{i}]"
        if change.exercise not in ctx.library:
            out.append(Problem(SOURCE, f"{where}.exercise",
                               f"no exercise {change.exercise!r} in the library"))  # fmt: skip
            continue
        if change.action != "swap":
            continue
        if change.to not in ctx.library:
            out.append(Problem(SOURCE, f"{where}.to", f"no exercise {change.to!r} in the library"))
            continue
        target = ctx.library.get(change.to)
        phases = [p for p in (change.phases or target.phases) if change.applies(p)]
        for phase in phases:
            reason = why_excluded(target, condition=ctx.profile.condition, phase=phase,
                                  have=ctx.have, restrictions=ctx.restrictions)  # fmt: skip
            if reason and not change.override:
                out.append(Problem(SOURCE, f"{where}.to", f"{change.to} in the {phase.value} "
                                   f"phase: {reason} (add `override` with your reason to "
                                   "give it anyway)"))  # fmt: skip
    if adj.first_run is not None:
        out += _first_run_problems(ctx, adj)
    return out


def _first_run_problems(ctx: Context, adj: Adjustments) -> list[Problem]:
    field = "adjustments.first_run"
    day = (adj.first_run - ctx.start).days
    window = ctx.condition.first_run
    if day < ctx.timeline_base().acute_days:
        return [Problem(SOURCE, field, f"{adj.first_run} falls in the acute phase, which never "
                        "holds running")]  # fmt: skip
    if not ctx.is_training_day(adj.first_run):
        return [Problem(SOURCE, field, f"{adj.first_run} is not one of the runner's training "
                        "days")]  # fmt: skip
    if not window.earliest <= day <= window.latest and not adj.first_run_override:
        return [Problem(SOURCE, field, f"{adj.first_run} is day {day}; this condition's first "
                        f"run/walk is between day {window.earliest} and {window.latest} (add "
                        "`first_run_override` with your reason to move it anyway)")]  # fmt: skip
    return []


def check(ctx: Context) -> None:
    found = problems(ctx)
    if found:
        raise InputError(found)


def apply(ctx: Context, phase: Phase, items: list[PlannedExercise]) -> list[PlannedExercise]:
    """``items`` of one session with the clinician's removals, swaps, doses and notes."""
    adj = adjustments(ctx)
    if not adj.exercises:
        return items
    out: list[PlannedExercise] = []
    for item in items:
        changes = adj.for_exercise(item.exercise_id, phase)
        if any(c.action == "remove" for c in changes):
            continue
        swap = next((c for c in changes if c.action == "swap"), None)
        if swap is not None and swap.to in ctx.library:
            item = _swapped(ctx, item, ctx.library.get(swap.to), phase, swap.override)
            changes = [*changes, *adj.for_exercise(item.exercise_id, phase)]
        for change in changes:
            item = _changed(item, change)
        out.append(item)
    return out


def _swapped(ctx: Context, item: PlannedExercise, target: Exercise, phase: Phase,
             override: str | None) -> PlannedExercise:  # fmt: skip
    from rehabplan.planning.exercises import fixed

    dose_phase = phase if phase in target.dose else target.phases[0]
    new = fixed(ctx, target, dose_phase, part=item.part)
    notes = [n for n in (new.notes, f"Clinician's note: {override}" if override else None) if n]
    return new.model_copy(update={"notes": " ".join(notes) or None})


def _changed(item: PlannedExercise, change) -> PlannedExercise:
    update: dict = {}
    if change.action == "dose":
        for name in ("sets", "reps", "hold_s", "load", "side"):
            value = getattr(change, name)
            if value is not None:
                update[name] = value
    notes = [item.notes] if item.notes else []
    if change.note and change.note not in (item.notes or ""):
        notes.append(change.note)
    if change.action != "swap" and change.override:
        notes.append(f"Clinician's note: {change.override}")
    if notes:
        update["notes"] = " ".join(notes)
    return item.model_copy(update=update) if update else item


def adjusted_minutes(ctx: Context, duration: int, before: list[PlannedExercise],
                     after: list[PlannedExercise]) -> int:  # fmt: skip
    """A session's length after its items changed: the difference in work, whole 5 minutes."""
    if before == after:
        return duration
    change = work_minutes(after, ctx.library) - work_minutes(before, ctx.library)
    return max(5, 5 * math.ceil((duration + change) / 5 - 1e-9))


def per_week(ctx: Context, exercise_id: str, phase: Phase) -> int | None:
    return next(
        (c.per_week for c in adjustments(ctx).for_exercise(exercise_id, phase) if c.per_week),
        None,
    )


def alternatives(
    ctx: Context, exercise_id: str, phase: Phase
) -> tuple[list[Exercise], list[tuple[Exercise, str]]]:
    """What a clinician may swap ``exercise_id`` for in ``phase``: the library's exercises
    of the same kind, for the same phase, that train its main region, split into those this
    patient may do and those the rules exclude, each with its reason."""
    from rehabplan.planning.doses import LOADED_TYPES

    current = ctx.library.get(exercise_id)
    family = LOADED_TYPES if current.type in LOADED_TYPES else {current.type}
    safe: list[Exercise] = []
    excluded: list[tuple[Exercise, str]] = []
    for ex in sorted(ctx.library, key=lambda e: e.id):
        if ex.id == exercise_id or ex.type not in family or phase not in ex.phases:
            continue
        if current.regions[0] not in ex.regions:
            continue
        reason = why_excluded(ex, condition=ctx.profile.condition, phase=phase,
                              have=ctx.have, restrictions=ctx.restrictions)  # fmt: skip
        if reason is None:
            safe.append(ex)
        else:
            excluded.append((ex, reason))
    return safe, excluded
