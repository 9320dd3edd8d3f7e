"""Week-by-week doses: how an exercise gets harder (CLINICAL-REFERENCE §4 and §7).

* Isotonic and eccentric work progresses by load with the kit the patient has (a stronger
  band, heavier dumbbells or kettlebell, more on the machine, a loaded backpack), as a
  double progression: the repetitions rise within one load step, then the load rises and
  the repetitions start again. When the ladder ends, or there is nothing to load it with,
  the exercise moves to its harder variant. Sets stay as prescribed: never a fourth set of
  ever more repetitions.
* Isometrics lengthen the hold (up to 45 s), then add a fifth hold; rests stay 2 minutes.
* Balance moves along its chain (eyes open, unstable surface, eyes closed), with a hand on
  support first for older runners and knees with arthritis.
* Stretches and range-of-motion work keep their dose: they are daily, not progressive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rehabplan.models.exercise import Dose, Exercise
from rehabplan.planning.context import Context
from rehabplan.vocab import Equipment, ExerciseType, LoadKit, Phase

MAX_HOLD = {ExerciseType.ISOMETRIC: 45, ExerciseType.BALANCE: 60}
MAX_ISOMETRIC_SETS = 5
MAX_REPS = 15
ISOMETRIC_WEEKS_PER_VARIANT = 4
OLDER_TOP_STEP = 1
"""Older runners and arthritic knees stop at the second load step; effort, not kilos."""
TEMPO_NOTE = "Make it harder by going slower: 4 seconds down and a 2-second pause at the bottom."
LOADED_TYPES = frozenset({ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC})


@dataclass(frozen=True)
class Prescription:
    exercise: Exercise
    dose: Dose
    load: str | None = None
    effort: str | None = None
    note: str | None = None


def kit_for(ctx: Context, ex: Exercise) -> LoadKit | None:
    """The patient's preferred way to load ``ex``, or None (body weight only)."""
    for kit in ctx.protocol.loading.prefer:
        if kit not in ex.loading:
            continue
        if kit is LoadKit.BACKPACK or Equipment(kit.value) in ctx.have:
            return kit
    return None


def loadable(ctx: Context, ex: Exercise) -> bool:
    return ex.type in LOADED_TYPES and kit_for(ctx, ex) is not None


def chain(ctx: Context, first: Exercise, allowed: Callable[[Exercise], bool]) -> list[Exercise]:
    """``first`` and its harder variants of the same kind that this patient may do."""
    out = [first]
    nxt = first.progression
    while nxt and nxt in ctx.library and nxt not in {e.id for e in out}:
        candidate = ctx.library.get(nxt)
        if not allowed(candidate) or not _same_family(first, candidate):
            break
        out.append(candidate)
        nxt = candidate.progression
    return out


def _same_family(a: Exercise, b: Exercise) -> bool:
    """A calf raise whose next step is a hop stays strength: hops have their own slot."""
    if a.type in LOADED_TYPES:
        return b.type in LOADED_TYPES
    return a.type is b.type


def prescribe(ctx: Context, steps: list[Exercise], phase: Phase, level: int) -> Prescription:
    """The exercise of a progression chain and its dose after ``level`` weekly steps."""
    level = max(0, level)
    first = steps[0]
    if first.type in LOADED_TYPES:
        return _loaded(ctx, steps, phase, level)
    if first.type is ExerciseType.ISOMETRIC:
        return _isometric(ctx, steps, phase, level)
    if first.type is ExerciseType.BALANCE:
        return _balance(ctx, steps, phase, level)
    return Prescription(first, first.dose[phase])


def _loaded(ctx: Context, steps: list[Exercise], phase: Phase, level: int) -> Prescription:
    loading = ctx.protocol.loading
    if phase is Phase.ACUTE:  # gentle activation: body weight, easy effort
        ex = steps[0]
        return Prescription(ex, ex.dose[phase], effort=loading.acute_effort)
    reps_cycle = loading.reps
    position = 0
    # Older runners and arthritic knees climb the ladder at half the pace.
    remaining = level // 2 if ctx.older else level
    while True:
        ex = steps[position]
        kit = kit_for(ctx, ex)
        ladder = loading.ladders.get(kit, []) if kit else []
        span = len(reps_cycle) * max(1, len(ladder))
        if remaining < span or position + 1 >= len(steps):
            break
        remaining -= span
        position += 1
    dose = ex.dose[phase]
    if kit is None or not ladder:
        # No way to load it: repetitions rise to the top of the range, then it holds there
        # until the harder variant (or the clinician) takes over.
        reps = min(MAX_REPS, (dose.reps or reps_cycle[0]) + 2 * min(remaining, 2))
        return Prescription(
            ex,
            dose.model_copy(update={"reps": reps, "load": dose.load}),
            # a control exercise with nothing to load is not done to an effort level
            effort=loading.effort if ex.loading else None,
            note=TEMPO_NOTE if remaining > 2 else None,
        )
    top = len(ladder) - 1 if not ctx.older else min(len(ladder) - 1, OLDER_TOP_STEP)
    step = min(remaining // len(reps_cycle), top)
    reps = reps_cycle[remaining % len(reps_cycle)]
    tempo = None
    if remaining >= len(reps_cycle) * (top + 1):
        # Top of the ladder and no harder variant: slower, with a pause, instead of heavier.
        reps = reps_cycle[-1]
        tempo = TEMPO_NOTE
    load = ladder[step]
    how = ex.loading[kit].strip().rstrip(".")
    note = None if kit is LoadKit.BAND and "stronger band" in how else f"Load: {how}."
    if tempo:
        note = f"{note} {tempo}" if note else tempo
    return Prescription(
        ex,
        dose.model_copy(update={"reps": reps, "load": load}),
        load=load,
        effort=loading.effort,
        note=note,
    )


def _isometric(ctx: Context, steps: list[Exercise], phase: Phase, level: int) -> Prescription:
    position = min(level // ISOMETRIC_WEEKS_PER_VARIANT, len(steps) - 1)
    ex = steps[position]
    dose = ex.dose[phase]
    local = level - ISOMETRIC_WEEKS_PER_VARIANT * position
    hold = dose.hold_s
    sets = dose.sets
    for _ in range(local):
        if hold is not None and hold < MAX_HOLD[ExerciseType.ISOMETRIC]:
            hold = min(MAX_HOLD[ExerciseType.ISOMETRIC], hold + 5)
        elif sets < MAX_ISOMETRIC_SETS:
            sets += 1
    rest = max(dose.rest_s or 0, 120) if dose.hold_s and dose.hold_s >= 20 else dose.rest_s
    return Prescription(ex, dose.model_copy(update={"hold_s": hold, "sets": sets, "rest_s": rest}))


BALANCE_WEEKS_PER_STEP_OLDER = 2
BALANCE_SUPPORT_NOTE = "Keep a hand on a kitchen counter or a sturdy chair until you feel steady."
BALANCE_MOVE_ON_NOTE = (
    "Move on to the next, harder balance exercise only once this one feels easy; if it does "
    "not yet, stay with this one and tell your clinician."
)


def _balance(ctx: Context, steps: list[Exercise], phase: Phase, level: int) -> Prescription:
    """One step along the balance chain every week (every two weeks for older runners, who
    also start with a hand on support)."""
    weeks_per_step = BALANCE_WEEKS_PER_STEP_OLDER if ctx.older else 1
    position = min(level // weeks_per_step, len(steps) - 1)
    ex = steps[position]
    dose = ex.dose[phase]
    note = BALANCE_MOVE_ON_NOTE
    if ctx.older and position == 0:
        dose = dose.model_copy(update={"load": "fingertips on a counter or chair back"})
        note = f"{BALANCE_SUPPORT_NOTE} {BALANCE_MOVE_ON_NOTE}"
    return Prescription(ex, dose, note=note)
