"""The return to running: the staged run/walk table, then continuous running rebuilt towards
the runner's own volume, with strength kept up alongside.

* Runs are never on consecutive days in this plan: every other day at most, so a week holds
  three or four. Run/walk sessions follow the stage path (later for mild presentations).
* Once 30 minutes of continuous running is tolerated, the first continuous week may resume
  at a share of the pre-injury weekly volume set by the time without running; then weekly
  running grows by at most 15 % a week up to that baseline and 10 % a week beyond it, one
  more run a week at most, every run at most 10 % longer than the longest run of the
  previous 30 days (CLINICAL-REFERENCE §3 and §7).
* Hopping (where allowed) is trained as drills before two runs a week (≤ 15 minutes).
* Strength maintenance: a full session (every region, two sets) on a day without running
  where the week allows; otherwise, and to reach two a week, a short block after an easy
  run, alternating halves of the session so every region is trained.
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

RUNS_PER_WEEK_MAX = 4
"""Every other day at most: four in a week only when the days allow it."""
MAINTENANCE_PER_WEEK = 2
HOP_DAYS_PER_WEEK = 2


def plan_days(s: Scheduler, days: list[dt.date]) -> None:
    from rehabplan.planning.scheduler import is_run, is_strength, spaced

    ctx = s.ctx
    phase = Phase.RETURN_TO_RUN
    training = s.training(days)
    # Runs of this week kept from before a re-plan count as taken, so the week is split
    # exactly as it was first planned.
    week = s.week_of(days[0])
    busy: dict[dt.date, Session] = {
        x.date: x for x in s.in_week(week) if x.date < s.today and is_run(x)
    }
    stages = len(s.protocol.run_walk.stages)
    stage_week = any(x.run_walk.stage <= stages for x in busy.values())
    if s.path or stage_week:  # a week that began on the stages finishes on them
        busy.update(_stage_runs(s, days, training))
    else:
        busy.update(_build_up_runs(s, days, training))

    free = [d for d in training if d not in busy]
    last_strength = s.last_before(days[0], is_strength)
    strength_days = spaced(free, MAINTENANCE_PER_WEEK, last_strength)[:1]
    need = MAINTENANCE_PER_WEEK - len(strength_days)
    taken = set(strength_days) | ({last_strength} if last_strength else set())
    half = s.state.after_run_half
    for day in sorted(busy):
        if need <= 0:
            break
        if all(abs((day - t).days) >= 2 for t in taken):
            busy[day] = build.with_short_strength(ctx, busy[day], s.level(phase, day), half)
            s.state.after_run_half = half = (half + 1) % 2
            taken.add(day)
            need -= 1
    if s.ctx.hops_allowed:
        hop_days = [
            d for d in sorted(busy) if not any(e.part == "strength" for e in busy[d].exercises)
        ]
        for day in hop_days[:HOP_DAYS_PER_WEEK]:
            busy[day] = build.with_hop_drills(ctx, busy[day])
    for day in s.future(days):
        if day in s.rest_days or day in s.reviews:
            continue
        level = s.level(phase, day)
        if day in busy:
            s.add(busy[day])
        elif day in strength_days:
            s.add(build.strength(ctx, day, phase, level, week=0))
        elif day in training:
            s.add(other_session(s, day, phase, level))
        else:
            s.add(build.routine(ctx, day, phase, level))


def _stage_runs(s: Scheduler, days: list[dt.date], run_days: list[dt.date]) -> dict:
    """Run/walk sessions on this week's training days from today, following the stage path,
    every other day at most.

    After a change (a step back, a rest day) the runs already done this week still count:
    no more than the weekly number, and never the day after a run.
    """
    from rehabplan.planning.scheduler import is_run

    rw = s.protocol.run_walk
    done = [x for x in s.in_week(s.week_of(days[0])) if x.run_walk is not None]
    future = s.future(run_days)
    out: dict[dt.date, Session] = {}
    if not future:
        return out
    last = s.last_before(future[0], is_run)
    room = RUNS_PER_WEEK_MAX - len(done)
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
    """This week's running minutes from last week's (see the module docstring)."""
    ctx = s.ctx
    cont = s.protocol.run_walk.continuous
    baseline, target = ctx.baseline_minutes, ctx.target_minutes
    if previous >= target:
        wanted = previous  # a goal the run/walk stages already passed is held, not undercut
    elif previous < baseline:
        rate = cont.weekly_increase_max if ctx.conservative else cont.rebuild_increase_max
        wanted = min(math.floor(previous * (1 + rate)), baseline)
        wanted = max(wanted, math.floor(previous * (1 + cont.weekly_increase_max)))
        if not s.state.build_started:
            # 30 minutes of continuous running is tolerated: a week of such runs at least,
            # or the runner's own share of their baseline when that is more.
            top = s.protocol.run_walk.stages[-1]
            table = cont.runs_per_week.min * top.run_min * top.repeats
            wanted = max(wanted, min(table, baseline),
                         math.floor(ctx.resume_fraction() * baseline))  # fmt: skip
    else:
        wanted = math.floor(previous * (1 + cont.weekly_increase_max))
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
    runs_before = next(
        (n for n in (len([x for x in s.in_week(w) if is_run(x)])
                     for w in range(week - 1, -1, -1)) if n > 0), 3)  # fmt: skip
    ahead = bool(s.future(run_days))
    target = week_target(s, previous, ahead=ahead) if previous else rw.stages[-1].run_min * 3
    first_week = not s.state.build_started
    longest = s.longest_recent(days[0]) or rw.stages[-1].run_min
    cap = math.floor(longest * cont.longest_run_max)
    spaced_days = spaced(run_days, RUNS_PER_WEEK_MAX, s.last_before(days[0], is_run))
    most = min(cont.runs_per_week.max, len(spaced_days), runs_before + (0 if first_week else 1))
    fewest = min(cont.runs_per_week.min, most)
    count = max(fewest, min(most, math.ceil(target / max(cap, 1))))
    shortest = rw.stages[-1].run_min  # continuous running is tolerated: runs stay that long
    while count > fewest and target / count < shortest:
        count -= 1
    chosen = spread(spaced_days, count)
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
    stages = len(rw.stages)
    if not any(x.run_walk.stage > stages for x in [*kept, *added]):
        # A week lived before a re-plan that still held the run/walk table: not a week of
        # the build-up, whatever the path says now.
        return out
    s.state.build_started = True
    total = sum(run_minutes(x) for x in kept) + sum(run_minutes(x) for x in added)
    s.state.build_weeks += 1
    if total >= ctx.target_minutes - len(kept) - len(added):
        s.state.goal_weeks += 1
    return out


def spread(days: list[dt.date], count: int) -> list[dt.date]:
    """``count`` of ``days``, spread through the week (first and last kept)."""
    if count >= len(days):
        return list(days)
    if count <= 1:
        return days[:count]
    picked = {round(i * (len(days) - 1) / (count - 1)) for i in range(count)}
    return [days[i] for i in sorted(picked)]
