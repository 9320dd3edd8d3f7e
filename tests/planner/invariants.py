"""Safety and scheduling rules every plan must obey (shared by property and example tests).

Written from the issue and the clinical reference, not from the planner's code: each check
recomputes what it needs from the plan, the profile and the protocol data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from zoneinfo import ZoneInfo

from rehabplan.library import why_excluded
from rehabplan.vocab import ExerciseType, Phase, Region, SessionKind, Tag

DAY = dt.timedelta(days=1)
UID = re.compile(r"^[0-9a-f]{20}@rehabplan$")
COVERAGE = {
    "quadriceps": {Region.QUADRICEPS},
    "hamstrings": {Region.HAMSTRINGS},
    "hip": {Region.HIP_ABDUCTORS, Region.HIP_EXTERNAL_ROTATORS, Region.GLUTES},
    "calves": {Region.CALVES, Region.SOLEUS},
    "core": {Region.CORE},
}


def run_minutes(session) -> int:
    rw = session.run_walk
    return rw.run_min * rw.repeats if rw else 0


def check_all(plan, profile, library, protocol) -> None:
    check_phases(plan, profile, protocol)
    check_days(plan, profile)
    check_rest_day_every_week(plan)
    check_no_running_before_return(plan, library)
    check_no_consecutive_early_runs(plan, protocol)
    check_continuous_growth(plan, protocol)
    check_exercises_allowed(plan, profile, library, protocol)
    check_strengthening(plan, profile, library)
    check_reviews(plan)
    check_identity(plan)
    check_landings(plan, library)


def check_phases(plan, profile, protocol) -> None:
    phases = plan.phases
    assert [p.key for p in phases] == [Phase.ACUTE, Phase.STRENGTHENING, Phase.RETURN_TO_RUN]
    assert phases[0].start == profile.start_date == plan.start_date
    for before, after in itertools.pairwise(phases):
        assert after.start == before.end + DAY, "phases must be contiguous"
    for p in phases:
        assert (p.end - p.start).days + 1 == 7 * p.weeks
    assert plan.end_date == phases[-1].end
    cond = protocol.conditions[profile.condition]
    assert cond.acute_weeks.min <= phases[0].weeks <= cond.acute_weeks.max
    assert cond.strengthening_weeks.min <= phases[1].weeks <= cond.strengthening_weeks.max
    rtr = protocol.phases[Phase.RETURN_TO_RUN].weeks
    assert rtr.min <= phases[2].weeks <= rtr.max
    for s in plan.sessions:
        block = next(p for p in phases if p.start <= s.date <= p.end)
        assert s.phase == block.key, (s.date, s.phase, block.key)


def check_days(plan, profile) -> None:
    allowed = {d.index for d in profile.availability.days}
    time = profile.availability.time.strftime("%H:%M")
    dates = [s.date for s in plan.sessions]
    assert len(dates) == len(set(dates)), "one session a day"
    zone = ZoneInfo(profile.timezone)
    for s in plan.sessions:
        assert s.date.weekday() in allowed, (s.date, s.title)
        # The runner's time, except where the clocks skip it that night (02:30 as they go
        # forward): then the time it really is, as calendars show it (RFC 5545 §3.3.5).
        wall = dt.datetime.combine(s.date, profile.availability.time, tzinfo=zone)
        real = wall.astimezone(dt.UTC).astimezone(zone).strftime("%H:%M")
        assert s.start_time == (time if real == time else real), (s.date, s.start_time)
        assert plan.start_date <= s.date <= plan.end_date


def check_rest_day_every_week(plan) -> None:
    busy = {s.date for s in plan.sessions}
    day = plan.start_date
    while day <= plan.end_date:
        week = [day + i * DAY for i in range(7)]
        assert any(d not in busy for d in week), f"no rest day in the week from {day}"
        day += 7 * DAY


def check_no_running_before_return(plan, library) -> None:
    rtr_start = plan.phases[2].start
    first_run = min((s.date for s in plan.sessions if s.run_walk), default=plan.end_date)
    for s in plan.sessions:
        if s.date < first_run:
            # no hops or bounds before the first run either (e.g. walking weeks)
            for item in s.exercises:
                assert Tag.IMPACT not in library.get(item.exercise_id).tags, (s.date, item)
        if s.date < rtr_start:
            assert s.run_walk is None and s.kind is not SessionKind.RUN_WALK, s
            for item in s.exercises:
                ex = library.get(item.exercise_id)
                assert Tag.IMPACT not in ex.tags, (s.date, ex.id)
                assert ex.type is not ExerciseType.PLYOMETRIC, (s.date, ex.id)


def _stage_runs(plan, protocol):
    last = len(protocol.run_walk.stages)
    return [s for s in plan.sessions if s.run_walk and s.run_walk.stage <= last]


def check_no_consecutive_early_runs(plan, protocol) -> None:
    limit = protocol.run_walk.no_consecutive_days_through_stage
    runs = [s for s in plan.sessions if s.run_walk]
    for a, b in itertools.pairwise(runs):
        if a.run_walk.stage <= limit or b.run_walk.stage <= limit:
            assert (b.date - a.date).days >= 2, f"runs on consecutive days {a.date} {b.date}"


def check_continuous_growth(plan, protocol) -> None:
    cont = protocol.run_walk.continuous
    stage_runs = _stage_runs(plan, protocol)
    if not stage_runs:
        return
    last_stage_day = stage_runs[-1].date
    loads = plan.weekly_load
    for before, week in itertools.pairwise(loads):
        if week.week_start <= last_stage_day or before.run_minutes == 0:
            continue
        assert week.run_minutes <= math.floor(
            before.run_minutes * (1 + cont.weekly_increase_max)
        ), f"week of {week.week_start}: {week.run_minutes} min after {before.run_minutes}"
        assert week.run_km <= before.run_km * (1 + cont.weekly_increase_max) + 0.02
    runs = [s for s in plan.sessions if s.run_walk]
    for s in runs:
        if s.date <= last_stage_day:
            continue
        window = [run_minutes(r) for r in runs if s.date - 30 * DAY <= r.date < s.date]
        if window:
            assert run_minutes(s) <= max(window) * cont.longest_run_max + 1e-9, s.date


def check_exercises_allowed(plan, profile, library, protocol) -> None:
    restrictions = protocol.conditions[profile.condition].restrictions
    have = profile.has()
    for s in plan.sessions:
        for item in s.exercises:
            reason = why_excluded(
                library.get(item.exercise_id),
                condition=profile.condition,
                phase=s.phase,
                have=have,
                restrictions=restrictions,
            )
            assert reason is None, f"{s.date} {item.exercise_id}: {reason}"


def check_strengthening(plan, profile, library) -> None:
    block = plan.phases[1]
    day = block.start
    while day <= block.end:
        week = [s for s in plan.sessions if day <= s.date < day + 7 * DAY]
        strength = [s for s in week if s.kind is SessionKind.STRENGTH]
        trainable = [s for s in week if s.kind is not SessionKind.REVIEW]
        assert min(2, len(trainable)) <= len(strength) <= 3, (day, [s.kind for s in week])
        for s in strength:
            regions = {r for e in s.exercises for r in library.get(e.exercise_id).regions}
            for name, wanted in COVERAGE.items():
                assert regions & wanted, f"{s.date}: no {name} exercise"
        day += 7 * DAY


def check_reviews(plan) -> None:
    for block in plan.phases:
        last_week = [s for s in plan.sessions if block.end - 6 * DAY <= s.date <= block.end]
        if last_week:
            assert last_week[-1].kind is SessionKind.REVIEW, (block.key, last_week[-1].title)


def check_identity(plan) -> None:
    uids = [s.uid for s in plan.sessions]
    assert len(uids) == len(set(uids))
    assert all(UID.match(u) for u in uids)


def check_landings(plan, library) -> None:
    """Clinical reference, plyometrics: "30–80 low-intensity contacts" a session (each leg
    counts)."""
    for s in plan.sessions:
        contacts = 0
        for e in s.exercises:
            ex = library.get(e.exercise_id)
            if ex.type is ExerciseType.PLYOMETRIC and e.reps:
                contacts += e.sets * e.reps * (2 if ex.laterality.value == "unilateral" else 1)
        assert contacts <= 80, (s.date, contacts)
