"""Building one session of each type: what it holds, its label and its honest length.

Every session type carries a label ("Strength A", "Daily knee routine") that the handout
and calendar print, so a training day always says what it contains; days with the same
label in a phase hold the same exercises (their doses rise week by week).
"""

from __future__ import annotations

import datetime as dt

from rehabplan.models.plan import PlannedExercise, RunWalk, Session
from rehabplan.planning import adjustments as clinician
from rehabplan.planning import exercises as picks
from rehabplan.planning.context import Context
from rehabplan.planning.durations import session_minutes
from rehabplan.vocab import Phase, SessionKind

ROUTINE_LABEL = {Phase.ACUTE: "Daily knee routine"}
ROUTINE_DEFAULT = "Daily stretches and balance"
STRENGTH_LABEL = {
    Phase.ACUTE: "Knee home programme",
    Phase.STRENGTHENING: "Strength A",
    Phase.RETURN_TO_RUN: "Strength B",
}
AFTER_RUN_LABEL = "short strength"


def session(
    ctx: Context,
    day: dt.date,
    phase: Phase,
    kind: SessionKind,
    title: str,
    duration: int,
    *,
    label: str,
    exercises: list[PlannedExercise] | None = None,
    run_walk: RunWalk | None = None,
    notes: list[str] | None = None,
) -> Session:
    planned = exercises or []
    adjusted = clinician.apply(ctx, phase, planned)
    duration = clinician.adjusted_minutes(ctx, duration, planned, adjusted)
    return Session(
        uid="",
        date=day,
        start_time=ctx.start_time_on(day),
        duration_min=duration,
        phase=phase,
        kind=kind,
        title=title,
        exercises=adjusted,
        run_walk=run_walk,
        notes=notes or [],
        label=label,
    )


def pain_note(ctx: Context) -> str:
    return ctx.protocol.pain.session_note or "Follow the pain traffic light."


def warm_up_minutes(ctx: Context, phase: Phase) -> int:
    """Where walking comes first (knee arthritis), the warm-up is a 10-minute brisk walk."""
    minutes = ctx.protocol.session_minutes.warm_up
    return 2 * minutes if ctx.condition.walking_first and phase is not Phase.ACUTE else minutes


def warm_up_note(ctx: Context, phase: Phase) -> str:
    minutes = warm_up_minutes(ctx, phase)
    if ctx.condition.walking_first and phase is not Phase.ACUTE:
        return f"Warm up with a {minutes}-minute brisk walk, outdoors if you can."
    if phase is Phase.ACUTE:
        return (
            f"Warm up for {minutes} minutes with easy movement: walk around the house or "
            "cycle gently."
        )
    return f"Warm up for {minutes} minutes: brisk walking, easy cycling or marching on the spot."


def routine(ctx: Context, day: dt.date, phase: Phase, level: int) -> Session:
    items = picks.routine(ctx, phase, level)
    label = ROUTINE_LABEL.get(phase, ROUTINE_DEFAULT)
    notes = ["A few minutes every day, also on days without training."]
    if phase is Phase.ACUTE:
        notes.append("Home care through the day: see ice, compression and elevation.")
    return session(
        ctx, day, phase, SessionKind.RECOVERY, label,
        session_minutes(items, ctx.library, step=5), label=label, exercises=items, notes=notes,
    )  # fmt: skip


def programme(ctx: Context, day: dt.date, level: int) -> Session:
    """The acute home programme: range of motion, pain-easing holds, gentle activation."""
    phase = Phase.ACUTE
    items = [
        *picks.routine(ctx, phase, level, part="main")[:1],
        *picks.strength_block(ctx, phase, level, "programme"),
    ]
    warm = ctx.protocol.session_minutes.warm_up
    label = STRENGTH_LABEL[phase]
    return session(
        ctx, day, phase, SessionKind.STRENGTH,
        "Knee home programme: holds, range of motion and gentle strength",
        session_minutes(items, ctx.library, extra_min=warm), label=label, exercises=items,
        notes=[warm_up_note(ctx, phase), pain_note(ctx)],
    )  # fmt: skip


def strength(
    ctx: Context, day: dt.date, phase: Phase, level: int, *, week: int, hop_stage: int = 0
) -> Session:
    hops = picks.hops(ctx, phase, hop_stage) if hop_stage else []
    items = picks.strength_block(ctx, phase, level, "strength_hops" if hops else "strength")
    walk_first = picks.walking(ctx, phase) if ctx.condition.walking_first else None
    items += hops
    items += picks.cool_down_stretches(ctx, phase)
    warm = warm_up_minutes(ctx, phase)
    limits = ctx.protocol.session_minutes
    cap = limits.strength.max if phase is Phase.STRENGTHENING else limits.strength.typical[1]
    items = _fit(ctx, items, cap, warm)
    if walk_first is not None:  # the warm-up is a brisk walk: it is part of the programme
        walk_item = picks.with_duration(picks.fixed(ctx, walk_first, phase, part="warm_up"), warm)
        items, warm = [walk_item, *items], 0
    label = STRENGTH_LABEL[phase] + (" with hops" if hops else "")
    if phase is Phase.STRENGTHENING:
        title = f"{label}: strength training, week {week + 1}"
    else:
        title = f"{label}: strength maintenance"
    return session(
        ctx, day, phase, SessionKind.STRENGTH, title,
        session_minutes(items, ctx.library, extra_min=warm), label=label, exercises=items,
        notes=[warm_up_note(ctx, phase), pain_note(ctx)],
    )  # fmt: skip


def _fit(
    ctx: Context, items: list[PlannedExercise], cap: int, extra: float
) -> list[PlannedExercise]:
    """Keep a session inside its cap: cool-down stretches go first, then the last extra
    exercise (the coverage exercises stay)."""
    items = list(items)
    while session_minutes(items, ctx.library, extra_min=extra) > cap:
        for part, keep in (("cool_down", 1), ("main", len(picks.COVERAGE)), ("cool_down", 0)):
            dropped = [i for i, item in enumerate(items) if item.part == part]
            if len(dropped) > keep:
                del items[dropped[-1]]
                break
        else:
            break
    return items


def cross(ctx: Context, day: dt.date, phase: Phase, index: int, level: int) -> Session | None:
    options = picks.cardio_options(ctx, phase)
    if not options:
        return None
    ex = options[index % len(options)]
    main = picks.fixed(ctx, ex, phase)
    extra = picks.routine(
        ctx, phase, level, part="cool_down" if phase is not Phase.ACUTE else "routine"
    )
    items = [main, *extra]
    cap = ctx.protocol.session_minutes.cross_training.max
    while session_minutes(items, ctx.library) > cap and len(items) > 1:
        items.pop()
    label = "Cross-training" if phase is not Phase.ACUTE else "Cross-training + knee routine"
    minutes = main.duration_min or 20
    return session(
        ctx, day, phase, SessionKind.CROSS_TRAINING, f"{label}: {ex.name} {minutes} min",
        session_minutes(items, ctx.library), label=label, exercises=items,
        notes=["Easy to moderate effort: you can talk in full sentences.", pain_note(ctx)],
    )  # fmt: skip


def mobility(ctx: Context, day: dt.date, phase: Phase, level: int) -> Session:
    items = picks.routine(ctx, phase, level, part="main")
    items += [picks.fixed(ctx, ex, phase) for ex in picks.foam_rolling(ctx, phase)[:1]]
    cap = ctx.protocol.session_minutes.mobility.max
    while session_minutes(items, ctx.library) > cap and len(items) > 1:
        items.pop()
    label = "Mobility and balance"
    return session(
        ctx, day, phase, SessionKind.MOBILITY, label,
        session_minutes(items, ctx.library), label=label, exercises=items,
    )  # fmt: skip


def review(
    ctx: Context, day: dt.date, phase: Phase, title: str, notes: list[str], level: int
) -> Session:
    """A check with the clinician; the daily routine is done that day as well."""
    items = picks.routine(ctx, phase, level)
    return session(
        ctx, day, phase, SessionKind.REVIEW, title, 30, label="Review",
        exercises=items, notes=notes,
    )  # fmt: skip


def walk(ctx: Context, day: dt.date, phase: Phase, minutes: int) -> Session | None:
    ex = picks.walking(ctx, phase)
    if ex is None:
        return None
    main = picks.with_duration(picks.fixed(ctx, ex, phase), minutes)
    items = [main, *picks.cool_down_stretches(ctx, phase)]
    label = "Brisk walk"
    return session(
        ctx, day, phase, SessionKind.CROSS_TRAINING, f"Brisk walk {minutes} min",
        session_minutes(items, ctx.library), label=label, exercises=items,
        notes=["Walk briskly on level ground, fast enough to feel warm.", pain_note(ctx)],
    )  # fmt: skip


def run(
    ctx: Context, day: dt.date, stage: int, run_min: int, walk_min: int, repeats: int
) -> Session:
    rw_model = ctx.protocol.run_walk
    pace = rw_model.continuous.easy_pace_min_per_km
    run_walk = RunWalk(
        stage=stage, run_min=run_min, walk_min=walk_min, repeats=repeats,
        run_km=round(run_min * repeats / pace, 2),
    )  # fmt: skip
    if stage > len(rw_model.stages):
        title = f"Easy run {run_min} min"
        label = "Easy run"
    elif walk_min == 0:
        title = f"Run/walk stage {stage}: run {run_min} min without walking"
        label = f"Run/walk stage {stage}"
    else:
        title = f"Run/walk stage {stage}: {repeats} × (run {run_min} min, walk {walk_min} min)"
        label = f"Run/walk stage {stage}"
    warm, cool = rw_model.warm_up_min, rw_model.cool_down_min
    items = picks.cool_down_stretches(ctx, Phase.RETURN_TO_RUN)
    block = (run_min + walk_min) * repeats
    duration = session_minutes(items, ctx.library, extra_min=warm + block + cool, step=5)
    if duration > block + ctx.protocol.session_minutes.run_extra_max:
        items, duration = [], warm + block + cool
    notes = [
        f"Warm up with {warm} min of brisk walking; cool down with {cool} min of easy "
        "walking, then stretch.",
        pain_note(ctx),
    ]
    return session(
        ctx, day, Phase.RETURN_TO_RUN, SessionKind.RUN_WALK, title, duration, label=label,
        exercises=items, run_walk=run_walk, notes=notes,
    )  # fmt: skip


def with_hop_drills(ctx: Context, s: Session) -> Session:
    """Hopping drills before a run, after the warm-up (≤ 15 minutes, CLINICAL-REFERENCE §7)."""
    drills = clinician.apply(
        ctx, Phase.RETURN_TO_RUN, picks.hops(ctx, Phase.RETURN_TO_RUN, 2, sets=2)
    )
    if not drills:
        return s
    rw = s.run_walk
    block = (rw.run_min + rw.walk_min) * rw.repeats if rw else 0
    limit = block + ctx.protocol.session_minutes.run_extra_max
    items = [*drills, *s.exercises]
    duration = session_minutes(items, ctx.library, extra_min=_warm_cool(ctx) + block)
    while duration > limit and any(i.part == "cool_down" for i in items):
        items.remove(next(i for i in reversed(items) if i.part == "cool_down"))
        duration = session_minutes(items, ctx.library, extra_min=_warm_cool(ctx) + block)
    if duration > limit:
        return s
    return s.model_copy(
        update={
            "title": f"{s.title}, with hopping drills first",
            "label": f"{s.label} + hops",
            "exercises": items,
            "duration_min": duration,
        }
    )


def _warm_cool(ctx: Context) -> int:
    return ctx.protocol.run_walk.warm_up_min + ctx.protocol.run_walk.cool_down_min


def with_short_strength(ctx: Context, s: Session, level: int, half: int = 0) -> Session:
    """An easy run followed by ≤ 20 minutes of strength, where no other day is free; the
    two halves of the strength session take turns, so every region is trained."""
    block = picks.strength_block(
        ctx, Phase.RETURN_TO_RUN, level, f"after_run_{half}", part="strength"
    )
    block = clinician.apply(ctx, Phase.RETURN_TO_RUN, block)
    cap = ctx.protocol.session_minutes.strength_after_run_max
    while block and session_minutes(block, ctx.library) > cap:
        block.pop()
    rw = s.run_walk
    run_block = (rw.run_min + rw.walk_min) * rw.repeats if rw else 0
    warm_cool = ctx.protocol.run_walk.warm_up_min + ctx.protocol.run_walk.cool_down_min
    stretch = picks.cool_down_stretches(ctx, Phase.RETURN_TO_RUN, count=1)
    items = [*block, *clinician.apply(ctx, Phase.RETURN_TO_RUN, stretch)]
    duration = session_minutes(items, ctx.library, extra_min=warm_cool + run_block)
    limit = run_block + ctx.protocol.session_minutes.run_extra_max
    while len(items) > 1 and duration > limit:
        del items[-2]  # a strength exercise goes before the day's one stretch
        duration = session_minutes(items, ctx.library, extra_min=warm_cool + run_block)
    return s.model_copy(
        update={
            "title": f"{s.title} + {AFTER_RUN_LABEL} ({half + 1} of 2)",
            "label": f"{s.label} + {AFTER_RUN_LABEL} {half + 1}",
            "exercises": items,
            "duration_min": duration,
        }
    )
