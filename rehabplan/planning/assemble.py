"""Turning a schedule into the Plan contract: phases, stages, weekly load, advice, patient."""

from __future__ import annotations

import datetime as dt
import math

from rehabplan.models.plan import (
    Advice,
    PatientInfo,
    PhaseBlock,
    Plan,
    Running,
    Session,
    Stage,
    StrictPain,
    WeeklyLoad,
)
from rehabplan.planning import exercises as picks
from rehabplan.planning.context import Context
from rehabplan.planning.identity import plan_id
from rehabplan.planning.notices import notices, pain_rule
from rehabplan.planning.scheduler import Schedule, run_minutes
from rehabplan.screening import plain_flag
from rehabplan.vocab import KM_PER_MILE, Phase, Units

DAY = dt.timedelta(days=1)


def phase_spans(ctx: Context, schedule: Schedule) -> list[tuple[Phase, dt.date, dt.date]]:
    """Each phase's first and last day; the return to running starts on its own day, and is
    absent while running waits for a review."""
    line = ctx.timeline
    end = ctx.start + (7 * schedule.weeks - 1) * DAY
    strengthening_end = ctx.day(line.return_day) - DAY if line.return_day is not None else end
    spans = [
        (Phase.ACUTE, ctx.start, ctx.day(line.acute_days) - DAY),
        (Phase.STRENGTHENING, ctx.day(line.acute_days), strengthening_end),
    ]
    if line.return_day is not None:
        spans.append((Phase.RETURN_TO_RUN, ctx.day(line.return_day), end))
    return spans


def phase_blocks(ctx: Context, schedule: Schedule) -> list[PhaseBlock]:
    blocks: list[PhaseBlock] = []
    for phase, start, end in phase_spans(ctx, schedule):
        spec = ctx.protocol.phases[phase]
        count = math.ceil(((end - start).days + 1) / 7)
        cautions = list(spec.cautions)
        if phase is not Phase.RETURN_TO_RUN:
            cautions += ctx.condition.cautions
        entry = list(spec.entry_criteria)
        if phase is Phase.RETURN_TO_RUN:
            entry = list(dict.fromkeys(entry + ctx.protocol.run_walk.entry_criteria))
        blocks.append(
            PhaseBlock(
                key=phase,
                title=spec.title,
                start=start,
                end=end,
                weeks=count,
                goals=list(spec.goals),
                entry_criteria=ctx.criteria(entry),
                exit_criteria=ctx.criteria(list(spec.exit_criteria)),
                cautions=cautions,
                home_care=picks.home_care(ctx, phase) if phase is not Phase.RETURN_TO_RUN else [],
            )
        )
    return blocks


def weekly_load(ctx: Context, sessions: list[Session], weeks: int) -> list[WeeklyLoad]:
    pace = ctx.protocol.run_walk.continuous.easy_pace_min_per_km
    miles = ctx.profile.units is Units.MI
    rows = []
    for week in range(weeks):
        start = ctx.start + 7 * week * DAY
        inside = [s for s in sessions if start <= s.date < start + 7 * DAY]
        minutes = sum(run_minutes(s) for s in inside)
        km = round(minutes / pace, 2)
        rows.append(
            WeeklyLoad(
                week_start=start,
                run_minutes=minutes,
                run_km=km,
                run_distance=round(minutes / pace / KM_PER_MILE, 2) if miles else km,
                sessions=len(inside),
            )
        )
    return rows


def stages(ctx: Context, sessions: list[Session]) -> list[Stage]:
    out = []
    for spec in ctx.protocol.run_walk.stages:
        dates = [s.date for s in sessions if s.run_walk and s.run_walk.stage == spec.stage]
        out.append(
            Stage(
                stage=spec.stage,
                walk_min=spec.walk_min,
                run_min=spec.run_min,
                repeats=spec.repeats,
                continuous=spec.walk_min == 0,
                dates=dates,
            )
        )
    return out


def advice(ctx: Context) -> list[Advice]:
    keys = list(ctx.protocol.education)
    for factor in ctx.profile.factors:
        spec = ctx.protocol.factors.get(factor)
        if spec:
            keys += spec.advice
    out = [
        Advice(topic=k, title=ctx.protocol.advice[k].title, text=ctx.protocol.advice[k].text)
        for k in dict.fromkeys(keys)
    ]
    p = ctx.profile
    if p.cleared_by_clinician and p.clinician_note:
        flags = p.red_flags_present()
        text = f"Clinician's note: {p.clinician_note}"
        if flags:
            text += (
                " Signs found at screening that the clinician has reviewed: "
                + "; ".join(plain_flag(f) for f in flags)
                + "."
            )
        out.append(
            Advice(topic="clinician_clearance", title="Cleared by your clinician", text=text)
        )
    return out


def patient(ctx: Context) -> PatientInfo:
    p = ctx.profile
    return PatientInfo(
        name=p.name,
        age=p.age,
        side=p.side,
        condition=p.condition,
        condition_plain=ctx.condition.plain,
        factors=list(p.factors),
        units=p.units,
        language=p.language,
        cleared_by_clinician=p.cleared_by_clinician,
        clinician_note=p.clinician_note,
        goal_weekly_distance=p.goal_weekly_km,
    )


def assemble(ctx: Context, schedule: Schedule, sessions: list[Session]) -> Plan:
    blocks = phase_blocks(ctx, schedule)
    return Plan(
        plan_id=plan_id(ctx.profile.patient_id, ctx.start),
        patient_id=ctx.profile.patient_id,
        start_date=ctx.start,
        end_date=blocks[-1].end,
        timezone=ctx.profile.timezone,
        patient=patient(ctx),
        phases=blocks,
        sessions=sessions,
        weekly_load=weekly_load(ctx, sessions, schedule.weeks),
        run_walk_stages=stages(ctx, sessions),
        return_to_run_criteria=ctx.criteria(list(ctx.protocol.run_walk.entry_criteria)),
        advice=advice(ctx),
        strict_pain=_strict_pain(ctx),
        notices=notices(
            ctx, handover=_handover(ctx, schedule, sessions), figures=_figures(ctx, schedule)
        ),
        pain_rule=pain_rule(ctx),
        running=running(ctx, schedule, sessions),
    )


def _handover(ctx: Context, schedule: Schedule, sessions: list[Session]) -> str | None:
    """How the plan ends short of its target: still on the run/walk stages, or building."""
    if not schedule.handover:
        return None
    stages = len(ctx.protocol.run_walk.stages)
    continuous = any(s.run_walk and s.run_walk.stage > stages for s in sessions)
    return "volume" if continuous else "stages"


def _target_distance(ctx: Context) -> float:
    """The weekly distance the plan builds to, as the profile gave it (patient's units)."""
    p = ctx.profile
    return p.baseline_weekly_km if ctx.training_goal else p.goal_weekly_km


def _figures(ctx: Context, schedule: Schedule) -> dict[str, str]:
    return {
        "peak": f"{_distance(ctx, schedule.peak_minutes):g}",
        "target": f"{_target_distance(ctx):g}",
        "units": ctx.profile.units.value,
    }


def _distance(ctx: Context, minutes: float) -> float:
    """Minutes of easy running as a weekly distance in the patient's units."""
    km = minutes / ctx.protocol.run_walk.continuous.easy_pace_min_per_km
    return round(km / KM_PER_MILE if ctx.profile.units is Units.MI else km, 1)


def running(ctx: Context, schedule: Schedule, sessions: list[Session]) -> Running:
    first = next((s.date for s in sessions if s.run_walk is not None), None)
    p = ctx.profile
    common = {
        "entry_stage": ctx.entry_stage,
        "baseline_weekly_distance": p.baseline_weekly_km,
        "goal_weekly_distance": p.goal_weekly_km,
        "target_weekly_distance": _target_distance(ctx),
        "peak_weekly_distance": _distance(ctx, schedule.peak_minutes),
    }
    if ctx.timeline.return_day is None:
        return Running(
            status="awaiting_review",
            reason=" ".join(ctx.protocol.notices["irritable"].text.split())
            if "irritable" in ctx.protocol.notices else "Running is set at a review.",
            **common,
        )  # fmt: skip
    handover = None
    kind = _handover(ctx, schedule, sessions)
    if kind:
        key = "handover_stages" if kind == "stages" else "handover"
        spec = ctx.protocol.notices.get(key) or ctx.protocol.notices.get("handover")
        if spec:
            handover = " ".join(spec.text.format(**_figures(ctx, schedule)).split())
    return Running(
        status="dated",
        first_run=first,
        resume_fraction=ctx.resume_fraction() if ctx.baseline_minutes else None,
        reached_target=schedule.reached_target,
        handover=handover,
        **common,
    )


def _strict_pain(ctx: Context) -> StrictPain | None:
    pain = ctx.protocol.pain
    if ctx.profile.condition not in pain.strict_conditions or not pain.strict_weeks:
        return None
    until = ctx.start + dt.timedelta(days=7 * pain.strict_weeks - 1)
    return StrictPain(max_during=pain.strict_progress_max_during, until=until)
