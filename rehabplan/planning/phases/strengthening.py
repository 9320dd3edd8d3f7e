"""The strengthening phase: two or three strength sessions a week, never on consecutive days.

Each strength session covers the quadriceps, hamstrings, hip abductors, hip external
rotators, calves and trunk (plus the condition's emphasis), with loads rising week by week.
Hopping is trained in the last two weeks (two legs, then one) so the hop test at the review
tests something practised, unless hopping is ruled out. Other training days alternate
cross-training and a mobility-and-balance session; every other day has the daily routine.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rehabplan.planning import sessions as build
from rehabplan.vocab import Phase

if TYPE_CHECKING:
    from rehabplan.planning.scheduler import Scheduler


def hop_stage(weeks: int, week_in_phase: int) -> int:
    """0: no hopping yet; 1: low two-legged hops; 2: one-legged hops as well."""
    left = weeks - 1 - week_in_phase
    return 2 if left <= 0 else 1 if left == 1 else 0


def plan_days(s: Scheduler, days: list[dt.date]) -> None:
    from rehabplan.planning.scheduler import is_strength, spaced

    phase = Phase.STRENGTHENING
    ctx = s.ctx
    line = ctx.timeline
    training = s.training(days)
    spec = s.protocol.phases[phase].strength_sessions_per_week
    low, high = (spec.min, spec.max) if spec else (2, 3)
    wanted = low if ctx.conservative else high
    strength_days = spaced(training, wanted, s.last_before(days[0], is_strength))
    for day in s.future(days):
        if day in s.rest_days or day in s.reviews:
            continue
        level = s.level(phase, day)
        week_in_phase = max(0, (day - ctx.day(line.acute_days)).days) // 7
        if day in strength_days:
            hops = hop_stage(line.strengthening_weeks, week_in_phase)
            s.add(build.strength(ctx, day, phase, level, week=week_in_phase, hop_stage=hops))
        elif day in training:
            s.add(other_session(s, day, phase, level))
        else:
            s.add(build.routine(ctx, day, phase, level))


def other_session(s: Scheduler, day: dt.date, phase: Phase, level: int):
    """Training days without strength alternate cross-training and mobility."""
    session = None
    if s.state.alternate % 2 == 0:
        session = build.cross(s.ctx, day, phase, s.state.cross_index, level)
    return session or build.mobility(s.ctx, day, phase, level)
