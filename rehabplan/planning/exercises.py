"""Choosing the exercises of each session type and their dose in a given week.

Every exercise goes through ``library.why_excluded`` with the patient's condition, phase,
equipment and restrictions (the condition's, and no hopping with arthritis or from 65), so
nothing contraindicated, restricted or needing missing kit is ever given. Choices are
deterministic (ranked, ties broken by id).

A strength session covers the quadriceps, hamstrings, hip abductors, hip external rotators,
calves and trunk with one exercise each, plus the condition's own emphasis (graded adductor
work for pes anserine bursitis): six or seven exercises, as a home programme should be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehabplan.library import why_excluded
from rehabplan.models.exercise import Exercise
from rehabplan.models.plan import PlannedExercise
from rehabplan.planning import doses
from rehabplan.planning.context import Context
from rehabplan.planning.doses import Prescription
from rehabplan.planning.durations import session_minutes
from rehabplan.vocab import ExerciseType, Laterality, Phase, Region, Tag

COVERAGE: tuple[Region, ...] = (
    Region.QUADRICEPS,
    Region.HAMSTRINGS,
    Region.HIP_ABDUCTORS,
    Region.HIP_EXTERNAL_ROTATORS,
    Region.CALVES,
    Region.CORE,
)
"""What every strengthening session trains (CLINICAL-REFERENCE §7)."""
NEIGHBOURS: dict[Region, tuple[Region, ...]] = {
    Region.HAMSTRINGS: (Region.GLUTES,),
    Region.CALVES: (Region.SOLEUS,),
}
"""Regions a slot may fall back on when nothing trains its own region first."""
STRENGTH_TYPES = (ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC, ExerciseType.ISOMETRIC)
ACUTE_ACTIVATION: tuple[Region, ...] = (
    Region.HAMSTRINGS,
    Region.HIP_ABDUCTORS,
    Region.HIP_EXTERNAL_ROTATORS,
    Region.CALVES,
)
AFTER_RUN: tuple[tuple[Region, ...], ...] = (
    (Region.QUADRICEPS, Region.HAMSTRINGS, Region.HIP_ABDUCTORS),
    (Region.HIP_EXTERNAL_ROTATORS, Region.CALVES, Region.CORE),
)
"""The two halves of the strength session that alternate after easy runs."""
STRETCH_REGIONS: tuple[tuple[Region, ...], ...] = (
    (Region.CALVES, Region.SOLEUS),
    (Region.HAMSTRINGS,),
    (Region.HIP_FLEXORS, Region.QUADRICEPS),
)
MAX_CONTACTS = 80
"""Most foot contacts of hopping in one session (reference: 30-80 low-intensity)."""


@dataclass(frozen=True)
class Slot:
    name: str
    regions: tuple[Region, ...]
    types: tuple[ExerciseType, ...]


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


def _rank(ctx: Context, ex: Exercise, slot: Slot, phase: Phase) -> tuple:
    type_rank = slot.types.index(ex.type)
    primary = ex.regions[0]
    region_rank = slot.regions.index(primary) if primary in slot.regions else len(slot.regions)
    # Later phases prefer exercises the patient can load, and ones that carry on into running.
    unloadable = (
        phase is not Phase.ACUTE and ex.type in doses.LOADED_TYPES and not (doses.loadable(ctx, ex))
    )
    early_only = phase is not Phase.ACUTE and Phase.RETURN_TO_RUN not in ex.phases
    if phase is Phase.ACUTE:  # gentle activation: the movement matters more than the muscle
        return (type_rank, region_rank > 0, _depth(ctx, ex), region_rank, ex.id)
    # Older runners and arthritic knees start the thigh work on both legs (sit-to-stand,
    # step-ups) rather than a split squat.
    one_leg = (
        ctx.older
        and slot.regions[0] is Region.QUADRICEPS
        and (ex.laterality is Laterality.UNILATERAL)
    )
    return (region_rank > 0, one_leg, type_rank, unloadable, early_only, _depth(ctx, ex),
            region_rank, ex.id)  # fmt: skip


def _pick(ctx: Context, slot: Slot, phase: Phase, taken: set[str]) -> Exercise | None:
    found = [
        ex
        for ex in ctx.library
        if ex.type in slot.types
        and set(ex.regions) & set(slot.regions)
        and ex.id not in taken
        and allowed(ctx, ex, phase)
    ]
    found.sort(key=lambda ex: _rank(ctx, ex, slot, phase))
    return found[0] if found else None


def _slots(ctx: Context, phase: Phase, kind: str) -> list[Slot]:
    """The slots of a session type; ``strength_hops`` leaves out the extra exercise so a
    session with hopping stays at seven or eight exercises."""

    def slot(name: str, region: Region, types=STRENGTH_TYPES) -> Slot:
        return Slot(name, (region, *NEIGHBOURS.get(region, ())), types)

    if kind == "programme":
        iso = (ExerciseType.ISOMETRIC,)
        activation = (ExerciseType.ISOTONIC, ExerciseType.ISOMETRIC)
        return [
            slot("quadriceps", Region.QUADRICEPS, iso),
            *(slot(r.value, r, activation) for r in ACUTE_ACTIVATION),
        ]
    if kind.startswith("after_run"):
        return [slot(r.value, r) for r in AFTER_RUN[int(kind[-1])]]
    slots = [slot(r.value, r) for r in COVERAGE]
    # The condition's own emphasis outside the coverage first (adductors for pes anserine
    # bursitis), else the factors' (the foot for overpronation).
    # One more exercise at most, so a session stays at six or seven exercises.
    extra = [r for r in ctx.condition.emphasis if r not in COVERAGE]
    extra += [r for r in ctx.emphasis if r not in COVERAGE and r not in extra]
    extra = [r for r in extra if r is not Region.GLUTES][:1]
    slots += [slot(f"extra:{region.value}", region) for region in extra]
    return slots


def chains(ctx: Context, phase: Phase, kind: str) -> list[list[Exercise]]:
    """Each slot's progression chain for a session type; no exercise appears twice."""
    key = ("chains", phase, kind)
    if key not in ctx._memo:
        taken: set[str] = set()
        out: list[list[Exercise]] = []
        for slot in _slots(ctx, phase, kind):
            first = _pick(ctx, slot, phase, taken)
            if first is None:
                continue

            def fits(e: Exercise, slot: Slot = slot) -> bool:
                # a harder variant still trains the slot's muscles (a single-leg deadlift
                # does not turn into a hip-rotation drill and lose the hamstrings)
                return allowed(ctx, e, phase) and slot.regions[0] in e.regions

            steps = [e for e in doses.chain(ctx, first, fits) if e.id not in taken]
            taken.update(e.id for e in steps)
            out.append(steps)
        ctx._memo[key] = out
    return ctx._memo[key]


def planned(
    ctx: Context, rx: Prescription, *, part: str = "main", sets: int | None = None
) -> PlannedExercise:
    ex, dose = rx.exercise, rx.dose
    side = "both"
    notes = [rx.note] if rx.note else []
    if ex.laterality is Laterality.UNILATERAL:
        if ex.type is ExerciseType.RECOVERY:
            side = ctx.profile.side.value
        elif ctx.profile.side.value != "both":
            notes.append(f"Both legs, starting with the {ctx.profile.side.value} one.")
        else:  # both knees sore: the card's "sore leg" is each leg in turn
            notes.append("Both legs, one after the other.")
    return PlannedExercise(
        exercise_id=ex.id,
        name=ex.name,
        sets=sets or dose.sets,
        reps=dose.reps,
        hold_s=dose.hold_s,
        duration_min=dose.duration_min,
        rest_s=dose.rest_s,
        load=rx.load if rx.load is not None else dose.load,
        side=side,
        notes=" ".join(notes) or None,
        effort=rx.effort,
        part=part,  # type: ignore[arg-type]
    )


def fixed(ctx: Context, ex: Exercise, phase: Phase, *, part: str = "main") -> PlannedExercise:
    return planned(ctx, Prescription(ex, ex.dose[phase]), part=part)


def strength_block(
    ctx: Context, phase: Phase, level: int, kind: str = "strength", *, part: str = "main"
) -> list[PlannedExercise]:
    """The strength exercises of one session type after ``level`` weekly progressions.

    ``kind``: ``programme`` (the acute home programme's holds and gentle activation),
    ``strength`` (a strengthening or maintenance session), ``after_run_0`` / ``after_run_1``
    (the short block that follows an easy run where no other day is free: two sets of three
    exercises, the two halves of the session in turn).
    """
    # Maintenance keeps strength with two sets.
    sets = 2 if phase is Phase.RETURN_TO_RUN else None
    return [
        planned(ctx, doses.prescribe(ctx, steps, phase, level), part=part, sets=sets)
        for steps in chains(ctx, phase, kind)
    ]


def _by_type(
    ctx: Context, phase: Phase, kinds: set[ExerciseType], *, regions: tuple[Region, ...] = ()
) -> list[Exercise]:
    key = ("by_type", phase, frozenset(kinds), regions)
    if key not in ctx._memo:
        found = [ex for ex in ctx.library if ex.type in kinds and allowed(ctx, ex, phase)]
        if regions:
            found = [ex for ex in found if set(ex.regions) & set(regions)]
        ctx._memo[key] = sorted(found, key=lambda ex: (_depth(ctx, ex), ex.id))
    return list(ctx._memo[key])


def home_care(ctx: Context, phase: Phase) -> list[PlannedExercise]:
    """Ice, compression and elevation: through the day, not in a session."""
    return [fixed(ctx, ex, phase) for ex in _by_type(ctx, phase, {ExerciseType.RECOVERY})]


def range_of_motion(ctx: Context, phase: Phase) -> list[Exercise]:
    """Knee range-of-motion exercises, active bending first (heel slides before heel props)."""
    found = [
        ex
        for ex in _by_type(ctx, phase, {ExerciseType.MOBILITY}, regions=(Region.KNEE,))
        if ex.regions[0] is Region.KNEE
    ]
    return sorted(found, key=lambda ex: (ex.laterality is not Laterality.UNILATERAL,
                                         ex.dose[phase].reps is None, ex.id))  # fmt: skip


def short_isometric(ctx: Context, phase: Phase) -> Exercise | None:
    """A brief thigh hold for the daily routine (quad sets): short holds, no long rests."""
    found = _by_type(ctx, phase, {ExerciseType.ISOMETRIC}, regions=(Region.QUADRICEPS,))
    short = [e for e in found if (e.dose[phase].hold_s or 0) <= 10]
    return (short or found or [None])[0]


def stretches(ctx: Context, phase: Phase) -> list[Exercise]:
    pool = _by_type(ctx, phase, {ExerciseType.STRETCH})
    chosen: list[Exercise] = []
    for regions in STRETCH_REGIONS:
        ex = next((e for e in pool if e.regions[0] in regions and e not in chosen), None)
        if ex:
            chosen.append(ex)
    return chosen


def balance_steps(ctx: Context, phase: Phase) -> list[Exercise]:
    """The balance chain from its easiest allowed step (eyes open first)."""
    pool = _by_type(ctx, phase, {ExerciseType.BALANCE})
    if not pool:
        return []
    first = min(pool, key=lambda e: (_depth(ctx, e), e.id))
    return doses.chain(ctx, first, lambda e: allowed(ctx, e, phase))


def routine(
    ctx: Context, phase: Phase, level: int, *, part: str = "routine"
) -> list[PlannedExercise]:
    """The short daily routine (CLINICAL-REFERENCE §7: daily, 5-10 minutes): knee range of
    motion and brief thigh holds in the acute phase; stretches and single-leg balance
    afterwards. Trimmed from the end to stay inside its time."""
    if phase is Phase.ACUTE:
        moves = range_of_motion(ctx, phase)
        items = [fixed(ctx, ex, phase, part=part) for ex in moves[:1]]
        iso = short_isometric(ctx, phase)
        if iso is not None:
            items.append(fixed(ctx, iso, phase, part=part))
        items += [fixed(ctx, ex, phase, part=part) for ex in moves[1:2]]
    else:
        steps = balance_steps(ctx, phase)
        items = [_two_sets(fixed(ctx, ex, phase, part=part)) for ex in stretches(ctx, phase)]
        if steps:
            # A phase whose chain starts further along (its easiest step belongs to an
            # earlier phase) has already used up those weeks.
            weeks_per_step = doses.BALANCE_WEEKS_PER_STEP_OLDER if ctx.older else 1
            level = max(0, level - weeks_per_step * _depth(ctx, steps[0]))
            items.insert(1, planned(ctx, doses.prescribe(ctx, steps, phase, level), part=part))
    cap = ctx.protocol.session_minutes.daily_routine.max
    while len(items) > 1 and session_minutes(items, ctx.library) > cap:
        items.pop()
    return items


def _two_sets(item: PlannedExercise) -> PlannedExercise:
    """Stretches in a routine or cool-down: two holds a side (the reference gives 2-4)."""
    return item.model_copy(update={"sets": min(2, item.sets)})


def cool_down_stretches(ctx: Context, phase: Phase, count: int = 2) -> list[PlannedExercise]:
    """Two stretches after a session: the day's share of daily stretching."""
    return [
        _two_sets(fixed(ctx, ex, phase, part="cool_down")) for ex in stretches(ctx, phase)[:count]
    ]


def hops(
    ctx: Context, phase: Phase, stage: int, *, sets: int | None = None
) -> list[PlannedExercise]:
    """Hopping, trained before any hop test: low two-legged hops first (``stage`` 1), then
    one-legged hops as well (``stage`` 2); none where hopping is ruled out."""
    pool = _by_type(ctx, phase, {ExerciseType.PLYOMETRIC})
    if not pool or stage <= 0:
        return []
    # Hops in place first: the calves and feet take the first landings (pogo hops).
    in_place = sorted(pool, key=lambda e: (e.regions[0] is not Region.CALVES, e.id))
    both = [e for e in in_place if e.laterality is Laterality.BILATERAL
            and Tag.LATERAL_MOVEMENT not in e.tags]  # fmt: skip
    single = [e for e in in_place if e.laterality is Laterality.UNILATERAL]
    chosen = both[:1] + (single[:1] if stage >= 2 else [])
    if not chosen:
        chosen = pool[:1]
    items = [fixed(ctx, ex, phase, part="drills") for ex in chosen]
    if sets:
        items = [i.model_copy(update={"sets": min(sets, i.sets)}) for i in items]
    return _within_contacts(items, ctx)


def _contacts(item: PlannedExercise, ctx: Context) -> int:
    ex = ctx.library.get(item.exercise_id)
    if ex.type is not ExerciseType.PLYOMETRIC or item.reps is None:
        return 0
    return item.sets * item.reps * (2 if ex.laterality is Laterality.UNILATERAL else 1)


def _within_contacts(items: list[PlannedExercise], ctx: Context) -> list[PlannedExercise]:
    """Cap the session's landings at ``MAX_CONTACTS`` by trimming repetitions."""
    total = sum(_contacts(i, ctx) for i in items)
    if total <= MAX_CONTACTS:
        return items
    return [
        i.model_copy(update={"reps": max(5, math.floor(i.reps * MAX_CONTACTS / total))})
        if _contacts(i, ctx)
        else i
        for i in items
    ]


def foam_rolling(ctx: Context, phase: Phase) -> list[Exercise]:
    return [
        ex for ex in _by_type(ctx, phase, {ExerciseType.MOBILITY}) if Region.KNEE not in ex.regions
    ]


def cardio_options(ctx: Context, phase: Phase) -> list[Exercise]:
    """Low-impact cross-training the patient can do (walking is not cross-training here)."""
    return [
        ex
        for ex in _by_type(ctx, phase, {ExerciseType.CARDIO})
        if Tag.IMPACT not in ex.tags and ex.id != "brisk_walking"
    ]


def walking(ctx: Context, phase: Phase) -> Exercise | None:
    return next(
        (ex for ex in _by_type(ctx, phase, {ExerciseType.CARDIO}) if ex.id == "brisk_walking"),
        None,
    )


def with_duration(item: PlannedExercise, minutes: int) -> PlannedExercise:
    return item.model_copy(update={"duration_min": minutes})
