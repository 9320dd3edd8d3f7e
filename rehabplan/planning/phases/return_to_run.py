"""The return to running: walking first where the condition asks, the staged run/walk table,
then continuous running rebuilt towards the runner's own volume.

* Run/walk sessions follow the stage path (from a later stage for mild presentations) on
  non-consecutive days, at most three a week.
* Once 30 minutes of continuous running is tolerated, running resumes at a share of the
  pre-injury weekly volume set by the time without running, then adds at most 15 % of that
  baseline a week up to it and 10 % a week beyond it, every run at most 10 % longer than
  the longest run of the previous 30 days (CLINICAL-REFERENCE §3 and §7).
* Strength maintenance twice a week on days without running where the week allows;
  otherwise a short block of at most 20 minutes after an easy run, never on consecutive days.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from rehabplan.models.plan import Session
from rehabplan.planning import sessions as build
from rehabplan.planning.phases.strengthening import other_session
from rehabplan.vocab import Phase

if TYPE_CHECKING:
    from rehabplan.planning.scheduler import Scheduler

STAGE_RUNS_PER_WEEK = 4
"""Every other day at most: four run/walks in a week only when the days allow it."""
MAINTENANCE_PER_WEEK = 2
WALK_MINUTES = (20, 30, 40)


def plan_days(s: Scheduler, days: list[dt.date]) -> None:
    from rehabplan.planning.scheduler import is_run, is_strength, is_walk, spaced

    ctx = s.ctx
    phase = Phase.RETURN_TO_RUN
    line = ctx.timeline
    first_run = ctx.day(line.first_run_day or 0)
    training = s.training(days)
    walk_part = [d for d in training if d < first_run]
    run_part = [d for d in training if d >= first_run]
    # Runs and walks of this week kept from before a re-plan count as taken, so the week is
    # split exactly as it was first planned.
    busy: dict[dt.date, Session] = {
        x.date: x
        for x in s.in_week(s.week_of(days[0]))
        if x.date < s.today and x.date in training and (is_run(x) or is_walk(x))
    }

    if walk_part:
        walk_days = spaced(walk_part, STAGE_RUNS_PER_WEEK, s.last_before(days[0], is_walk))
        for day in s.future(walk_days):
            week = (day - ctx.day(line.return_day or 0)).days // 7
            walk = build.walk(ctx, day, WALK_MINUTES[min(week, len(WALK_MINUTES) - 1)])
            if walk is not None:
                busy[day] = walk
    if run_part:
        if s.path:
            busy.update(_stage_runs(s, days, run_part))
        else:
            busy.update(_build_up_runs(s, days, run_part))

    free = [d for d in training if d not in busy]
    strength_days = spaced(free, MAINTENANCE_PER_WEEK, s.last_before(days[0], is_strength))
    need = MAINTENANCE_PER_WEEK - len(strength_days)
    taken = set(strength_days)
    last_strength = s.last_before(days[0], is_strength)
    if last_strength is not None:
        taken.add(last_strength)
    for day in sorted(busy):
        if need <= 0:
            break
        if is_run(busy[day]) and all(abs((day - t).days) >= 2 for t in taken):
            level = s.level(phase, day)
            busy[day] = build.with_short_strength(ctx, busy[day], level)
            taken.add(day)
            need -= 1
    running_started = s.last_before(days[0], is_run) is not None or any(
        is_run(x) for x in busy.values()
    )
    for day in s.future(days):
        if day in s.rest_days or day in s.reviews:
            continue
        level = s.level(phase, day)
        if day in busy:
            s.add(busy[day])
        elif day in strength_days:
            hops = 2 if running_started else 0
            s.add(build.strength(ctx, day, phase, level, week=0, hop_stage=hops))
        elif day in training:
            s.add(other_session(s, day, phase, level))
        else:
            s.add(build.routine(ctx, day, phase, level))


def _stage_runs(s: Scheduler, days: list[dt.date], run_days: list[dt.date]) -> dict:
    """Run/walk sessions on this week's run days from today, following the stage path.

    After a change (a step back, a rest day) the runs already done this week still count:
    no more than the weekly number, and never the day after an early-stage run.
    """
    from rehabplan.planning.scheduler import is_run

    rw = s.protocol.run_walk
    done = [x for x in s.in_week(s.week_of(days[0])) if x.run_walk is not None]
    future = s.future(run_days)
    out: dict[dt.date, Session] = {}
    if not future:
        return out
    last = s.last_before(future[0], is_run)
    room = STAGE_RUNS_PER_WEEK - len(done)
    for day in future:
        if len(out) >= room:
            break
        if last is not None and (day - last).days < 2:
            continue
        if s.path:
            spec = rw.stages[s.path.pop(0) - 1]
            out[day] = build.run(s.ctx, day, spec.stage, spec.run_min, spec.walk_min,
                                 spec.repeats)  # fmt: skip
        else:  # the last stage was reached this week: repeat it as continuous running
            top = rw.stages[-1]
            out[day] = build.run(s.ctx, day, len(rw.stages) + 1, top.run_min * top.repeats, 0, 1)
        last = day
    return out


def week_target(s: Scheduler, previous: int, *, ahead: bool = True) -> int:
    """This week's running minutes from last week's.

    Up to the baseline each week adds at most ``rebuild_increase_max`` of the baseline
    (15 % of the usual weekly volume: regained fitness comes back faster than it was first
    built); the first week after the run/walk table may also jump to the share of the
    baseline set by the time without running. Beyond the baseline, the 10 % rule.
    """
    ctx = s.ctx
    cont = s.protocol.run_walk.continuous
    baseline, target = ctx.baseline_minutes, ctx.target_minutes
    step = math.floor(cont.rebuild_increase_max * baseline)
    beyond = math.floor(previous * (1 + cont.weekly_increase_max))
    if previous >= target:
        wanted = previous  # a goal the run/walk stages already passed is held, not undercut
    elif previous < baseline:
        wanted = max(min(previous + step, baseline), beyond)
        if not s.state.build_started:
            wanted = max(wanted, math.floor(ctx.resume_fraction() * baseline))
    else:
        wanted = beyond
    if previous < target:
        wanted = min(wanted, target)
    resume = s.resume
    if (
        ahead
        and resume is not None
        and resume.load_factor is not None
        and not s.state.load_factor_used
    ):  # a painful or repeated run shapes the first week still to come
        wanted = min(wanted, math.floor(previous * resume.load_factor))
        s.state.load_factor_used = True
    return max(1, wanted)


def _build_up_runs(s: Scheduler, days: list[dt.date], run_days: list[dt.date]) -> dict:
    from rehabplan.planning.scheduler import is_run, run_minutes, spaced

    ctx = s.ctx
    rw = s.protocol.run_walk
    cont = rw.continuous
    week = s.week_of(days[0])
    previous = next(
        (m for m in (s.week_run_minutes(w) for w in range(week - 1, -1, -1)) if m > 0), 0
    )
    ahead = bool(s.future(run_days))
    target = week_target(s, previous, ahead=ahead) if previous else rw.stages[-1].run_min * 3
    s.state.build_started = True
    longest = s.longest_recent(days[0]) or rw.stages[-1].run_min
    cap = math.floor(longest * cont.longest_run_max)
    most = min(cont.runs_per_week.max, len(run_days))
    fewest = min(cont.runs_per_week.min, len(run_days))
    count = max(fewest, min(most, math.ceil(target / max(cap, 1))))
    shortest = rw.stages[-1].run_min  # continuous running is tolerated: runs stay that long
    while count > fewest and target / count < shortest:
        count -= 1
    chosen = spaced(run_days, count, s.last_before(days[0], is_run))
    limit = rw.no_consecutive_days_through_stage
    early = s.last_before(days[0], lambda x: x.run_walk is not None and x.run_walk.stage <= limit)
    for day in run_days:  # consecutive days are fine once the early stages are done
        if len(chosen) >= count:
            break
        if day not in chosen and (early is None or (day - early).days >= 2):
            chosen.append(day)
    chosen.sort()
    kept = [x for x in s.in_week(week) if x.run_walk is not None]
    left = target - sum(run_minutes(x) for x in kept)
    future = s.future(chosen)
    out: dict[dt.date, Session] = {}
    added: list[Session] = []
    for i, day in enumerate(future):
        per_run = math.floor(left / (len(future) - i)) if left > 0 else 0
        limit = math.floor((s.longest_recent(day) or longest) * cont.longest_run_max)
        minutes = min(per_run, limit)
        if minutes < 10:
            continue
        run = build.run(ctx, day, len(rw.stages) + 1, minutes, 0, 1)
        s.sessions.append(run)  # visible to the 30-day window of later runs this week
        added.append(run)
        out[day] = run
        left -= minutes
    for run in added:
        s.sessions.remove(run)
    total = sum(run_minutes(x) for x in kept) + sum(run_minutes(x) for x in added)
    s.state.build_weeks += 1
    if total >= ctx.target_minutes - len(kept) - len(added):
        s.state.goal_weeks += 1
    return out
