"""The acute phase: settle the knee with relative rest, not complete rest.

The home programme (range of motion, pain-easing holds, gentle activation) on two or three
spaced training days (two where the bike or the pool needs the others); low-impact
cross-training with the daily routine on the other training days; the short daily routine
on every other day, whatever the training days (range of motion and brief thigh holds are
what an acute knee needs most, CLINICAL-REFERENCE §7).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rehabplan.planning import exercises as picks
from rehabplan.planning import sessions as build
from rehabplan.vocab import Phase

if TYPE_CHECKING:
    from rehabplan.planning.scheduler import Scheduler

PROGRAMME_DAYS = 3


def plan_days(s: Scheduler, days: list[dt.date]) -> None:
    from rehabplan.planning.scheduler import is_strength, spaced

    phase = Phase.ACUTE
    training = s.training(days)
    spec = s.protocol.phases[phase].strength_sessions_per_week
    wanted = min(PROGRAMME_DAYS, spec.max) if spec else PROGRAMME_DAYS
    if picks.cardio_options(s.ctx, phase) and len(s.ctx.training_weekdays) <= 4:
        # Keep fitness too: with few training days, two programme days leave room for the
        # bike or the pool (the routine keeps the holds and range of motion daily).
        wanted = min(wanted, 2)
    programme_days = spaced(training, wanted, s.last_before(days[0], is_strength))
    for day in s.future(days):
        if day in s.rest_days or day in s.reviews:
            continue
        level = s.level(phase, day)
        if day in programme_days:
            s.add(build.programme(s.ctx, day, level))
            continue
        session = None
        if day in training:
            session = build.cross(s.ctx, day, phase, s.state.cross_index, level)
        s.add(session or build.routine(s.ctx, day, phase, level))
