"""Choosing exercises for a session and progressing their dose week by week.

Every exercise goes through ``library.why_excluded`` with the patient's condition, phase,
equipment and the condition's restrictions, so nothing contraindicated, restricted or needing
missing equipment is ever given. Choices are deterministic (ranked, ties broken by id).

Progression follows the clinical reference: raise the dose first (a little more each week,
within the usual ranges), then move to the library's harder variant once the dose has been
raised twice.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rehabplan.library import Library, why_excluded
from rehabplan.models.exercise import Dose, Exercise
from rehabplan.models.plan import PlannedExercise
from rehabplan.planning.context import Context
from rehabplan.vocab import ExerciseType, Laterality, Phase, Region, Tag

# Regions every strengthening session covers (quadriceps, hamstrings, hip, calves, core).
COVERAGE: tuple[tuple[str, tuple[Region, ...]], ...] = (
    ("quadriceps", (Region.QUADRICEPS,)),
    ("hamstrings", (Region.HAMSTRINGS,)),
    ("hip", (Region.HIP_ABDUCTORS, Region.HIP_EXTERNAL_ROTATORS, Region.GLUTES)),
    ("calves", (Region.CALVES, Region.SOLEUS)),
    ("core", (Region.CORE,)),
)
HIP_REGIONS = frozenset(COVERAGE[2][1])

PLYOMETRIC_REGIONS: tuple[Region, ...] = (
    Region.CALVES,
    Region.QUADRICEPS,
    Region.HIP_FLEXORS,
    Region.HIP_ABDUCTORS,
)

STRENGTH_TYPES: dict[Phase, tuple[ExerciseType, ...]] = {
    # Isometrics first in the acute phase: they load the muscle and often ease pain.
    Phase.ACUTE: (ExerciseType.ISOMETRIC, ExerciseType.ISOTONIC),
    Phase.STRENGTHENING: (ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC, ExerciseType.ISOMETRIC),
    Phase.RETURN_TO_RUN: (ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC, ExerciseType.ISOMETRIC),
}
EXTRA_SLOTS = {Phase.ACUTE: 1, Phase.STRENGTHENING: 2, Phase.RETURN_TO_RUN: 0}

# Dose ranges from the clinical reference (isotonic 8–15 reps, isometric holds up to 45 s,
# balance 30–60 s, at most 4 sets).
RM = re.compile(r"\b\d+RM\b")
MAX_CONTACTS = 80
"""Most foot contacts of plyometric work in one session (reference: 30-80)."""
MIN_PLYO_REPS = 5
MAX_REPS = 15
MAX_HOLD = {ExerciseType.ISOMETRIC: 45, ExerciseType.BALANCE: 60}
MAX_SETS = 4
DOSE_STEPS_BEFORE_VARIANT = 2


@dataclass(frozen=True)
class Slot:
    name: str
    regions: tuple[Region, ...]
    types: tuple[ExerciseType, ...]


@dataclass(frozen=True)
class Step:
    """One slot at one level: which exercise and how many dose increases on it."""

    exercise: Exercise
    dose_steps: int


def allowed(ctx: Context, ex: Exercise, phase: Phase) -> bool:
    return (
        why_excluded(
            ex,
            condition=ctx.profile.condition,
            phase=phase,
            have=ctx.have,
            restrictions=ctx.restrictions,
        )
        is None
    )


def _depth(ctx: Context, ex: Exercise) -> int:
    """How many easier variants sit below ``ex`` (0 = start of a progression chain)."""
    depth, seen, nxt = 0, {ex.id}, ex.regression
    while nxt and nxt in ctx.library and nxt not in seen:
        seen.add(nxt)
        depth += 1
        nxt = ctx.library.get(nxt).regression
    return depth


def _chain(ctx: Context, ex: Exercise, phase: Phase, slot: Slot) -> list[str]:
    """``ex`` and the harder variants after it that this patient may do in ``phase``.

    The chain stops at a variant of another kind (a calf raise whose next step is a hop
    stays a strength exercise; hops have their own slot and dose).
    """
    out = [ex.id]
    nxt = ex.progression
    while nxt and nxt in ctx.library and nxt not in out:
        candidate = ctx.library.get(nxt)
        if not allowed(ctx, candidate, phase) or candidate.type not in slot.types:
            break
        out.append(nxt)
        nxt = candidate.progression
    return out


def _rank(ctx: Context, ex: Exercise, slot: Slot, phase: Phase) -> tuple:
    type_rank = slot.types.index(ex.type)
    primary = ex.regions[0]
    region_rank = slot.regions.index(primary) if primary in slot.regions else len(slot.regions)
    # In strengthening prefer exercises that carry on into running over early-only ones.
    early_only = (
        phase is Phase.STRENGTHENING
        and Phase.ACUTE in ex.phases
        and Phase.RETURN_TO_RUN not in ex.phases
    )
    return (type_rank, region_rank, early_only, _depth(ctx, ex), ex.id)


def _candidates(ctx: Context, slot: Slot, phase: Phase, taken: set[str]) -> list[Exercise]:
    found = [
        ex
        for ex in ctx.library
        if ex.type in slot.types
        and set(ex.regions) & set(slot.regions)
        and ex.id not in taken
        and allowed(ctx, ex, phase)
    ]
    return sorted(found, key=lambda ex: _rank(ctx, ex, slot, phase))


def slots_for(ctx: Context, phase: Phase, *, hops: bool = True) -> list[Slot]:
    """Coverage slots, then one extra slot per emphasised region (factors first).

    ``hops`` adds a plyometric slot in return to run, once running has begun.
    """
    types = STRENGTH_TYPES[phase]
    slots = [Slot(name, regions, types) for name, regions in COVERAGE]
    for region in ctx.emphasis[: EXTRA_SLOTS[phase]]:
        slots.append(Slot(f"extra:{region.value}", (region,), types))
    if phase is Phase.STRENGTHENING:
        slots.append(Slot("balance", (Region.BALANCE,), (ExerciseType.BALANCE,)))
    if phase is Phase.RETURN_TO_RUN and hops:
        # Hops and skips rebuild spring for running, only once running has begun.
        # Low hops first: the calves and feet take the first landings.
        slots.append(Slot("plyometric", PLYOMETRIC_REGIONS, (ExerciseType.PLYOMETRIC,)))
    return slots


def slot_chains(ctx: Context, phase: Phase, *, hops: bool = True) -> list[tuple[Slot, list[str]]]:
    """Each slot's progression chain; no exercise appears in two slots."""
    key = ("chains", phase, hops)
    if key in ctx._memo:
        return ctx._memo[key]
    taken: set[str] = set()
    out: list[tuple[Slot, list[str]]] = []
    for slot in slots_for(ctx, phase, hops=hops):
        found = _candidates(ctx, slot, phase, taken)
        if not found:
            continue
        chain = [i for i in _chain(ctx, found[0], phase, slot) if i not in taken]
        taken.update(chain)
        out.append((slot, chain))
    ctx._memo[key] = out
    return out


def raise_dose(dose: Dose, kind: ExerciseType) -> Dose | None:
    """One dose step within the clinical ranges, or None when the dose is at its ceiling.

    A dose written as a repetition maximum (``12RM``) progresses by weight, which the
    patient adds; more repetitions at a heavier RM would be impossible to do.
    """
    if dose.load and RM.search(dose.load):
        return None
    if dose.reps is not None and dose.reps < MAX_REPS:
        return dose.model_copy(update={"reps": min(MAX_REPS, dose.reps + 2)})
    cap = MAX_HOLD.get(kind)
    if dose.reps is None and dose.hold_s is not None and cap and dose.hold_s < cap:
        return dose.model_copy(update={"hold_s": min(cap, dose.hold_s + 5)})
    if dose.sets < MAX_SETS and (dose.reps is not None or cap):
        return dose.model_copy(update={"sets": dose.sets + 1})
    return None


def step_at(ctx: Context, chain: list[str], phase: Phase, level: int) -> tuple[Exercise, Dose]:
    """The exercise and dose of a slot after ``level`` weekly progressions."""
    position, dose_steps = 0, 0
    ex = ctx.library.get(chain[0])
    dose = ex.dose[phase]
    for _ in range(max(0, level)):
        has_variant = position + 1 < len(chain)
        raised = raise_dose(dose, ex.type)
        if has_variant and (dose_steps >= DOSE_STEPS_BEFORE_VARIANT or raised is None):
            position += 1
            ex = ctx.library.get(chain[position])
            dose, dose_steps = ex.dose[phase], 0
        elif raised is not None:
            dose, dose_steps = raised, dose_steps + 1
    return ex, dose


def planned(ctx: Context, ex: Exercise, dose: Dose, *, note: str | None = None) -> PlannedExercise:
    side = "both"
    notes = [note] if note else []
    if ex.laterality is Laterality.UNILATERAL:
        if ex.type is ExerciseType.RECOVERY:
            side = ctx.profile.side.value
        elif ctx.profile.side.value != "both":
            notes.append(f"Do both legs, starting with the {ctx.profile.side.value} one.")
        else:  # both knees sore: the card's "sore leg" is each leg in turn
            notes.append("Do both legs, one after the other.")
    return PlannedExercise(
        exercise_id=ex.id,
        name=ex.name,
        sets=dose.sets,
        reps=dose.reps,
        hold_s=dose.hold_s,
        duration_min=dose.duration_min,
        rest_s=dose.rest_s,
        load=dose.load,
        side=side,
        notes=" ".join(notes) or None,
    )


def strength_block(
    ctx: Context, phase: Phase, level: int, *, hops: bool = True
) -> list[PlannedExercise]:
    """The strength exercises of one session in ``phase`` after ``level`` progressions."""
    steps = [step_at(ctx, chain, phase, level) for _, chain in slot_chains(ctx, phase, hops=hops)]
    return [planned(ctx, ex, dose) for ex, dose in _within_contacts(steps)]


def _contacts(ex: Exercise, dose: Dose) -> int:
    """Foot contacts of a plyometric exercise in one session (each leg counts)."""
    if ex.type is not ExerciseType.PLYOMETRIC or dose.reps is None:
        return 0
    return dose.sets * dose.reps * (2 if ex.laterality is Laterality.UNILATERAL else 1)


def _within_contacts(steps: list[tuple[Exercise, Dose]]) -> list[tuple[Exercise, Dose]]:
    """Cap the session's landings at ``MAX_CONTACTS`` by trimming repetitions.

    The clinical reference doses return-to-run plyometrics at 30-80 low-intensity contacts
    a session; weekly dose steps on two hopping exercises would otherwise reach 180.
    """
    total = sum(_contacts(ex, dose) for ex, dose in steps)
    if total <= MAX_CONTACTS:
        return steps
    out = []
    for ex, dose in steps:
        if _contacts(ex, dose):
            reps = max(MIN_PLYO_REPS, math.floor(dose.reps * MAX_CONTACTS / total))
            dose = dose.model_copy(update={"reps": reps})
        out.append((ex, dose))
    return out


def _by_type(
    ctx: Context, phase: Phase, kinds: set[ExerciseType], *, regions: tuple[Region, ...] = ()
) -> list[Exercise]:
    found = [ex for ex in ctx.library if ex.type in kinds and allowed(ctx, ex, phase)]
    if regions:
        found = [ex for ex in found if set(ex.regions) & set(regions)]
    return sorted(found, key=lambda ex: ex.id)


def recovery_block(ctx: Context, phase: Phase) -> list[PlannedExercise]:
    """Ice, compression and elevation: the home care of the acute phase."""
    return [
        planned(ctx, ex, ex.dose[phase]) for ex in _by_type(ctx, phase, {ExerciseType.RECOVERY})
    ]


MOBILITY_REGIONS: tuple[Region, ...] = (
    Region.KNEE,
    Region.HAMSTRINGS,
    Region.QUADRICEPS,
    Region.HIP_FLEXORS,
    Region.CALVES,
    Region.SOLEUS,
)


def mobility_block(ctx: Context, phase: Phase) -> list[PlannedExercise]:
    """Gentle range-of-motion work and stretches, one per region, plus balance after acute."""
    key = ("mobility", phase)
    if key not in ctx._memo:
        pool = _by_type(ctx, phase, {ExerciseType.MOBILITY, ExerciseType.STRETCH})
        chosen: list[Exercise] = []
        for region in MOBILITY_REGIONS:
            ex = next(
                (e for e in pool if e.regions[0] is region and e not in chosen),
                None,
            )
            if ex:
                chosen.append(ex)
        if phase is Phase.ACUTE:
            # Knee range of motion matters most early: every knee item goes first.
            knee = [e for e in pool if Region.KNEE in e.regions]
            chosen = knee + [e for e in chosen if e not in knee]
        else:
            balance = _by_type(ctx, phase, {ExerciseType.BALANCE})
            chosen += balance[:1]
        limit = 3 if phase is Phase.ACUTE else 6
        ctx._memo[key] = [planned(ctx, ex, ex.dose[phase]) for ex in chosen[:limit]]
    return ctx._memo[key]


def cardio_options(ctx: Context, phase: Phase) -> list[Exercise]:
    """Low-impact cross-training the patient can do; brisk walking only when nothing else."""
    found = [
        ex
        for ex in _by_type(ctx, phase, {ExerciseType.CARDIO})
        if Tag.IMPACT not in ex.tags and ex.id != "brisk_walking"
    ]
    if found:
        return found
    walking = [ex for ex in _by_type(ctx, phase, {ExerciseType.CARDIO}) if ex.id == "brisk_walking"]
    return walking


def walking(ctx: Context, phase: Phase) -> Exercise | None:
    return next(
        (ex for ex in _by_type(ctx, phase, {ExerciseType.CARDIO}) if ex.id == "brisk_walking"),
        None,
    )


def minutes_of(items: list[PlannedExercise], library: Library) -> int:
    """A rough session length (5 min warm-up, work, rests, both legs for one-sided work).

    Home-care items (ice, elevation, a sleeve) come after the session and are not counted.
    """
    seconds = 0
    for item in items:
        if library.get(item.exercise_id).type is ExerciseType.RECOVERY:
            continue
        if item.duration_min and not item.reps:
            seconds += min(20, item.duration_min * item.sets) * 60
            continue
        work = (item.reps or 1) * (item.hold_s or 3)
        default_rest = 20 if item.hold_s and not item.reps else 45
        per_set = work + (item.rest_s if item.rest_s is not None else default_rest)
        sides = 2 if library.get(item.exercise_id).laterality is Laterality.UNILATERAL else 1
        seconds += item.sets * per_set * sides
    return max(15, 5 * math.ceil((seconds / 60 + 5) / 5))
