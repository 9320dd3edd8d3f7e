"""Turning a schedule into the Plan contract: phases, stages, weekly load, advice, patient."""

from __future__ import annotations

import datetime as dt

from rehabplan.models.plan import (
    Advice,
    PatientInfo,
    PhaseBlock,
    Plan,
    Session,
    Stage,
    StrictPain,
    WeeklyLoad,
)
from rehabplan.planning.context import Context
from rehabplan.planning.identity import plan_id
from rehabplan.planning.scheduler import Schedule, run_minutes
from rehabplan.screening import plain_flag
from rehabplan.vocab import KM_PER_MILE, Phase, Units

DAY = dt.timedelta(days=1)


def phase_blocks(ctx: Context, schedule: Schedule) -> list[PhaseBlock]:
    weeks = {
        Phase.ACUTE: schedule.acute_weeks,
        Phase.STRENGTHENING: schedule.strengthening_weeks,
        Phase.RETURN_TO_RUN: schedule.weeks - schedule.acute_weeks - schedule.strengthening_weeks,
    }
    blocks: list[PhaseBlock] = []
    start = ctx.start
    for phase, count in weeks.items():
        spec = ctx.protocol.phases[phase]
        end = start + (7 * count - 1) * DAY
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
            )
        )
        start = end + DAY
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
    )


def _strict_pain(ctx: Context) -> StrictPain | None:
    pain = ctx.protocol.pain
    if ctx.profile.condition not in pain.strict_conditions or not pain.strict_weeks:
        return None
    until = ctx.start + dt.timedelta(days=7 * pain.strict_weeks - 1)
    return StrictPain(max_during=pain.strict_progress_max_during, until=until)
