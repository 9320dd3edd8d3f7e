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

from rehabplan.planning import exercises as picks
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
            hops = hop_stage(line.strengthening_weeks, week_in_phase) if ctx.hop_test else 0
            s.add(build.strength(ctx, day, phase, level, week=week_in_phase, hop_stage=hops))
        elif day in training:
            s.add(other_session(s, day, phase, level))
        else:
            s.add(build.routine(ctx, day, phase, level))


def other_session(s: Scheduler, day: dt.date, phase: Phase, level: int):
    """Training days without strength alternate cardio and mobility. In strengthening the
    cardio is a brisk walk where there is no bike, pool or trainer (the phase's exit asks for
    30 minutes of brisk walking) and always where walking comes first (knee arthritis)."""
    ctx = s.ctx
    walks = phase is Phase.STRENGTHENING and (
        ctx.condition.walking_first or not picks.cardio_options(ctx, phase)
    )
    session = None
    if ctx.condition.walking_first and phase is Phase.STRENGTHENING:
        session = build.walk(ctx, day, phase, walk_minutes(s, day))
    elif s.state.alternate % 2 == 0:
        if walks:
            session = build.walk(ctx, day, phase, walk_minutes(s, day))
        else:
            session = build.cross(ctx, day, phase, s.state.cross_index, level)
    return session or build.mobility(ctx, day, phase, level)


def walk_minutes(s: Scheduler, day: dt.date) -> int:
    """20 minutes in the first week of strengthening, 5 more each week, up to 40."""
    week = max(0, (day - s.ctx.day(s.ctx.timeline.acute_days)).days) // 7
    return min(40, 20 + 5 * week)
