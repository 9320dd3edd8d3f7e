"""Rules every plan must obey, as a sports physiotherapist reads it (shared by property and
example tests).

Written from the clinical reference (CLINICAL-REFERENCE §2-§7), not from the planner's code:
each check recomputes what it needs from the plan, the profile and the exercise library, and
the clinical numbers (session lengths, first-run windows, plan lengths, ages) are written here
as the reference states them, so a change to the protocol data that breaks them is caught.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from zoneinfo import ZoneInfo

from rehabplan.library import why_excluded
from rehabplan.vocab import Condition, ExerciseType, Phase, Region, SessionKind, Tag

DAY = dt.timedelta(days=1)
UID = re.compile(r"^[0-9a-f]{20}@rehabplan$")
PACE_MIN_PER_KM = 6.5
KM_PER_MILE = 1.609344

# CLINICAL-REFERENCE §7, "Session length" (never more than).
ACUTE_PROGRAMME_MAX = 35
STRENGTH_MAX = 60
MOBILITY_MAX = 30
CROSS_MAX = 60
DAILY_ROUTINE_MAX = 10
RUN_EXTRA_MAX = 30
STRENGTH_AFTER_RUN_MAX = 20

# §7, "Timelines by condition": first run/walk, days from the start.
FIRST_RUN = {
    Condition.MCL_SPRAIN_GRADE_1: (7, 21),
    Condition.MCL_SPRAIN_GRADE_2: (28, 42),
    Condition.PES_ANSERINE_BURSITIS: (21, 49),
    Condition.PATELLOFEMORAL_PAIN: (21, 49),
    Condition.NONSPECIFIC_MEDIAL_KNEE_PAIN: (21, 49),
    Condition.MEDIAL_MENISCUS_IRRITATION: (35, 56),
}
MILD_MCL1_BY = 14
OA_RUNNING_NOT_BEFORE = 42
# §7, "Rebuilding running volume": typical plan lengths when the goal is not above baseline.
PLAN_WEEKS = {"mild_mcl1": 10, "oa": 26, "other": 18}
REBUILD_STEP = 0.15  # of the baseline, a week, up to it
BEYOND_BASELINE = 0.10
SINGLE_RUN = 1.10
RESUME_FRACTION_MAX = 0.5
TRAINING_GOAL_ABOVE = 1.5
TABLE_TOP = 3 * 30
"""A week at the top of the run/walk table: three 30-minute runs (§3)."""
# §7, "Irritability", "Age and arthritis".
IRRITABLE_FROM = 5
OLDER_FROM = 65
YOUNG_BELOW = 18
# §7, "Strength dosing and coverage".
COVERAGE = {
    "quadriceps": {Region.QUADRICEPS},
    "hamstrings": {Region.HAMSTRINGS},
    "hip abductors": {Region.HIP_ABDUCTORS},
    "hip external rotators": {Region.HIP_EXTERNAL_ROTATORS},
    "calves": {Region.CALVES, Region.SOLEUS},
    "trunk": {Region.CORE},
}
ISOMETRIC_REST_S = 120
PAIN_NUMBER = re.compile(r"\b\d+\s*(/|out of)\s*10\b")

LOADED = {SessionKind.STRENGTH, SessionKind.CROSS_TRAINING, SessionKind.RUN_WALK,
          SessionKind.MOBILITY}  # fmt: skip


def run_minutes(session) -> int:
    rw = session.run_walk
    return rw.run_min * rw.repeats if rw else 0


def is_strength(session) -> bool:
    return session.kind is SessionKind.STRENGTH or any(
        e.part == "strength" for e in session.exercises
    )


def irritable(profile) -> bool:
    return max(profile.pain.rest, profile.pain.daily) >= IRRITABLE_FROM


def older(profile) -> bool:
    return (
        profile.age >= OLDER_FROM
        or profile.condition is Condition.MEDIAL_KNEE_OSTEOARTHRITIS
        or "arthritis" in {f.value for f in profile.factors}
    )


def mild(profile) -> bool:
    """Low pain everywhere and nothing that calls for care (protocol ``mild_when``)."""
    p = profile.pain
    careful = profile.age >= 50 or p.running >= 6 or profile.condition in (
        Condition.MCL_SPRAIN_GRADE_2, Condition.MEDIAL_KNEE_OSTEOARTHRITIS
    ) or {"previous_injury", "arthritis"} & {f.value for f in profile.factors}  # fmt: skip
    return not careful and p.running <= 3 and p.daily <= 1 and p.rest == 0


def weekly_minutes(profile, km: float) -> float:
    km = km * KM_PER_MILE if profile.units.value == "mi" else km
    return km * PACE_MIN_PER_KM


def phase(plan, key):
    return next((p for p in plan.phases if p.key is key), None)


def check_all(plan, profile, library, protocol, *, replanned: bool = False) -> None:
    check_phases(plan, profile, protocol)
    check_days(plan, profile)
    check_rest_day_every_week(plan)
    check_no_running_before_return(plan, library)
    check_no_consecutive_early_runs(plan, protocol)
    check_volume_rebuild(plan, profile, protocol)
    check_exercises_allowed(plan, profile, library, protocol)
    check_strengthening(plan, profile, library)
    check_no_strength_on_consecutive_days(plan)
    check_session_lengths(plan, library)
    check_acute_daily_routine(plan, library, gaps=replanned)
    check_stretches_daily(plan, library, gaps=replanned)
    check_timeline(plan, profile)
    check_irritable(plan, profile)
    check_age_and_arthritis(plan, profile, library)
    check_dosing(plan, library)
    check_one_pain_rule(plan)
    check_reviews(plan)
    check_identity(plan)
    check_landings(plan, library)
    if not replanned:
        check_plan_length(plan, profile)
        check_plan_ends_at_goal(plan, profile)


def check_phases(plan, profile, protocol) -> None:
    keys = [p.key for p in plan.phases]
    expected = [Phase.ACUTE, Phase.STRENGTHENING]
    if plan.running is None or plan.running.status == "dated":
        expected.append(Phase.RETURN_TO_RUN)
    assert keys == expected, keys
    assert plan.phases[0].start == profile.start_date == plan.start_date
    for before, after in itertools.pairwise(plan.phases):
        assert after.start == before.end + DAY, "phases must be contiguous"
    for p in plan.phases:
        assert p.end >= p.start
        assert p.weeks == math.ceil(((p.end - p.start).days + 1) / 7)
    assert plan.end_date == plan.phases[-1].end
    assert ((plan.end_date - plan.start_date).days + 1) % 7 == 0, "whole plan weeks"
    cond = protocol.conditions[profile.condition]
    assert cond.acute_weeks.min <= plan.phases[0].weeks <= cond.acute_weeks.max
    for s in plan.sessions:
        block = next(p for p in plan.phases if p.start <= s.date <= p.end)
        assert s.phase == block.key, (s.date, s.phase, block.key)


def check_days(plan, profile) -> None:
    allowed = {d.index for d in profile.availability.days}
    time = profile.availability.time.strftime("%H:%M")
    dates = [s.date for s in plan.sessions]
    assert len(dates) == len(set(dates)), "one session a day"
    zone = ZoneInfo(profile.timezone)
    for s in plan.sessions:
        if s.kind in LOADED:
            assert s.date.weekday() in allowed, ("load on a day the runner cannot train",
                                                 s.date, s.title)  # fmt: skip
        # The runner's time, except where the clocks skip it that night (02:30 as they go
        # forward): then the time it really is, as calendars show it (RFC 5545 §3.3.5).
        wall = dt.datetime.combine(s.date, profile.availability.time, tzinfo=zone)
        real = wall.astimezone(dt.UTC).astimezone(zone).strftime("%H:%M")
        assert s.start_time == (time if real == time else real), (s.date, s.start_time)
        assert plan.start_date <= s.date <= plan.end_date


def check_rest_day_every_week(plan) -> None:
    """Every week keeps a day without load (a short routine of stretches is not load)."""
    busy = {s.date for s in plan.sessions if s.kind in LOADED}
    day = plan.start_date
    while day <= plan.end_date:
        week = [day + i * DAY for i in range(7)]
        assert any(d not in busy for d in week), f"no rest day in the week from {day}"
        day += 7 * DAY


def check_no_running_before_return(plan, library) -> None:
    rtr = phase(plan, Phase.RETURN_TO_RUN)
    rtr_start = rtr.start if rtr else plan.end_date + DAY
    for s in plan.sessions:
        if s.date < rtr_start:
            assert s.run_walk is None and s.kind is not SessionKind.RUN_WALK, s.title
        if s.phase is Phase.ACUTE:
            for item in s.exercises:
                ex = library.get(item.exercise_id)
                assert Tag.IMPACT not in ex.tags and ex.type is not ExerciseType.PLYOMETRIC, (
                    s.date, ex.id)  # fmt: skip


def check_no_consecutive_early_runs(plan, protocol) -> None:
    limit = protocol.run_walk.no_consecutive_days_through_stage
    runs = [s for s in plan.sessions if s.run_walk]
    for a, b in itertools.pairwise(runs):
        if a.run_walk.stage <= limit or b.run_walk.stage <= limit:
            assert (b.date - a.date).days >= 2, f"runs on consecutive days {a.date} {b.date}"


def check_volume_rebuild(plan, profile, protocol) -> None:
    """After the run/walk table: at most 15 % of the baseline more a week up to the baseline
    (the first week may resume at up to half of it), 10 % a week beyond it; every run at most
    10 % longer than the longest run of the previous 30 days."""
    stages = len(protocol.run_walk.stages)
    stage_runs = [s for s in plan.sessions if s.run_walk and s.run_walk.stage <= stages]
    if not stage_runs:
        return
    last_stage_day = stage_runs[-1].date
    baseline = weekly_minutes(profile, profile.baseline_weekly_km)
    first = True
    for before, week in itertools.pairwise(plan.weekly_load):
        if week.week_start <= last_stage_day or before.run_minutes == 0:
            continue
        prev = before.run_minutes
        if prev < baseline:
            allowed = max(min(prev + REBUILD_STEP * baseline, baseline),
                          prev * (1 + BEYOND_BASELINE))  # fmt: skip
            if first:
                allowed = max(allowed, RESUME_FRACTION_MAX * baseline)
        else:
            allowed = prev * (1 + BEYOND_BASELINE)
        assert week.run_minutes <= math.floor(allowed) + 1, (
            f"week of {week.week_start}: {week.run_minutes} min after {prev}")  # fmt: skip
        first = False
    runs = [s for s in plan.sessions if s.run_walk]
    for s in runs:
        if s.date <= last_stage_day:
            continue
        window = [run_minutes(r) for r in runs if s.date - 30 * DAY <= r.date < s.date]
        assert window, s.date
        assert run_minutes(s) <= max(window) * SINGLE_RUN + 1e-9, (s.date, run_minutes(s))


def _restrictions(profile, protocol):
    from rehabplan.models.protocol import Restriction

    rules = list(protocol.conditions[profile.condition].restrictions)
    if older(profile):
        rules.append(Restriction(tags=[Tag.IMPACT], phases=list(Phase), reason="older"))
    return rules


def check_exercises_allowed(plan, profile, library, protocol) -> None:
    restrictions = _restrictions(profile, protocol)
    have = profile.has()
    for s in plan.sessions:
        for item in [*s.exercises, *(h for p in plan.phases if p.key is s.phase
                                     for h in p.home_care)]:  # fmt: skip
            ex = library.get(item.exercise_id)
            # Read the card's own data as well, so a broken why_excluded cannot hide it.
            assert profile.condition not in {c.condition for c in ex.contraindications}, (
                "contraindicated", s.date, ex.id)  # fmt: skip
            assert s.phase in ex.phases, (s.date, ex.id, s.phase)
            assert set(ex.equipment) <= have, (s.date, ex.id, ex.equipment)
            for rule in restrictions:
                if s.phase in rule.phases:
                    assert not set(rule.tags) & set(ex.tags), (s.date, ex.id, rule.reason)
            reason = why_excluded(
                library.get(item.exercise_id),
                condition=profile.condition,
                phase=s.phase,
                have=have,
                restrictions=restrictions,
            )
            assert reason is None, f"{s.date} {item.exercise_id}: {reason}"


def check_strengthening(plan, profile, library) -> None:
    """Each strengthening session covers quadriceps, hamstrings, hip abductors, hip external
    rotators, calves and trunk; pes anserine bursitis adds adductor work; 2-3 a week."""
    block = phase(plan, Phase.STRENGTHENING)
    wanted = dict(COVERAGE)
    if profile.condition is Condition.PES_ANSERINE_BURSITIS:
        wanted["adductors"] = {Region.ADDUCTORS}
    strength = [s for s in plan.sessions if s.phase is Phase.STRENGTHENING
                and s.kind is SessionKind.STRENGTH]  # fmt: skip
    trainable = [s for s in plan.sessions if s.phase is Phase.STRENGTHENING
                 and s.date.weekday() in {d.index for d in profile.availability.days}
                 and s.kind is not SessionKind.REVIEW]  # fmt: skip
    assert strength or not trainable, "a strengthening phase without strength sessions"
    for s in strength:
        regions = {r for e in s.exercises for r in library.get(e.exercise_id).regions}
        for name, regs in wanted.items():
            assert regions & regs, f"{s.date}: no {name} exercise"
    day = block.start
    while day + 6 * DAY <= block.end:
        week = [s for s in strength if day <= s.date < day + 7 * DAY]
        assert len(week) <= 3, (day, len(week))
        day += 7 * DAY


def check_no_strength_on_consecutive_days(plan) -> None:
    days = sorted(s.date for s in plan.sessions if is_strength(s))
    for a, b in itertools.pairwise(days):
        assert (b - a).days >= 2, f"strength on consecutive days {a} and {b}"


def _floor_minutes(session, library) -> float:
    """The least time the session's work can take: sets × repetitions (2 s each) or holds,
    both legs for one-sided work, plus any run/walk. ``duration_min`` may not claim less."""
    seconds = 0.0
    for e in session.exercises:
        ex = library.get(e.exercise_id)
        if ex.type is ExerciseType.RECOVERY:
            continue
        sides = 2 if ex.laterality.value == "unilateral" and e.side == "both" else 1
        if e.reps:
            seconds += e.sets * e.reps * max(2, e.hold_s or 0) * sides
        elif e.hold_s:
            seconds += e.sets * e.hold_s * sides
        elif e.duration_min:
            seconds += e.sets * e.duration_min * 60
    rw = session.run_walk
    if rw:
        seconds += (rw.run_min + rw.walk_min) * rw.repeats * 60
    return seconds / 60


def check_session_lengths(plan, library) -> None:
    """CLINICAL-REFERENCE §7's table, warm-up and rests counted; home care never counted."""
    for s in plan.sessions:
        assert s.duration_min >= _floor_minutes(s, library) - 1e-9, (s.date, s.title)
        for e in s.exercises:
            assert library.get(e.exercise_id).type is not ExerciseType.RECOVERY, (
                "home care is not session time", s.date, e.exercise_id)  # fmt: skip
        if s.run_walk:
            rw = s.run_walk
            block = (rw.run_min + rw.walk_min) * rw.repeats
            assert s.duration_min <= block + RUN_EXTRA_MAX, (s.date, s.title, s.duration_min)
            short = [e for e in s.exercises if e.part == "strength"]
            if short:
                minutes = _floor_minutes(
                    s.model_copy(update={"exercises": short, "run_walk": None}), library
                )
                assert minutes <= STRENGTH_AFTER_RUN_MAX, (s.date, minutes)
            continue
        cap = {
            SessionKind.STRENGTH: ACUTE_PROGRAMME_MAX if s.phase is Phase.ACUTE
            else STRENGTH_MAX,
            SessionKind.MOBILITY: MOBILITY_MAX,
            SessionKind.CROSS_TRAINING: CROSS_MAX,
            SessionKind.RECOVERY: DAILY_ROUTINE_MAX,
        }.get(s.kind)  # fmt: skip
        if cap is not None:
            assert s.duration_min <= cap, (s.date, s.kind.value, s.title, s.duration_min, cap)
        if s.kind is SessionKind.STRENGTH:
            count = sum(1 for e in s.exercises if e.part in ("main", "drills"))
            assert count <= 9, (s.date, count)


def _types(session, library) -> set[ExerciseType]:
    return {library.get(e.exercise_id).type for e in session.exercises}


def check_acute_daily_routine(plan, library, *, gaps: bool = False) -> None:
    """Knee range of motion and short thigh holds every day of the acute phase (``gaps``: a
    re-plan may keep a day free after a step back)."""
    acute = phase(plan, Phase.ACUTE)
    by_day = {s.date: s for s in plan.sessions}
    day = acute.start
    while day <= acute.end:
        s = by_day.get(day)
        if s is None and gaps:
            day += DAY
            continue
        assert s is not None, f"no knee routine on {day}"
        types = _types(s, library)
        assert ExerciseType.MOBILITY in types, (day, s.title)
        assert ExerciseType.ISOMETRIC in types, (day, s.title)
        day += DAY


def check_stretches_daily(plan, library, *, gaps: bool = False) -> None:
    """After the acute phase, a stretch every day (2-4 × 30 s, daily)."""
    by_day = {s.date: s for s in plan.sessions}
    acute = phase(plan, Phase.ACUTE)
    day = acute.end + DAY
    while day <= plan.end_date:
        s = by_day.get(day)
        if s is None and gaps:
            day += DAY
            continue
        assert s is not None and ExerciseType.STRETCH in _types(s, library), (
            f"no stretch on {day}: {s.title if s else 'nothing planned'}")  # fmt: skip
        day += DAY


def check_timeline(plan, profile) -> None:
    """The first run/walk inside the condition's window (§7)."""
    first = next((s.date for s in plan.sessions if s.run_walk), None)
    if irritable(profile):
        assert first is None
        return
    assert first is not None, "no run/walk session in a dated plan"
    day = (first - plan.start_date).days
    if profile.condition is Condition.MEDIAL_KNEE_OSTEOARTHRITIS:
        assert day >= OA_RUNNING_NOT_BEFORE, day
        walks = [s for s in plan.sessions if s.date < first
                 and any(e.exercise_id == "brisk_walking" for e in s.exercises)]  # fmt: skip
        assert len(walks) >= 4, "walking programme before running with knee arthritis"
        if len(profile.availability.days) >= 3:
            assert max(e.duration_min for s in walks for e in s.exercises
                       if e.exercise_id == "brisk_walking") >= 30, "up to 30 minutes"  # fmt: skip
        return
    low, high = FIRST_RUN[profile.condition]
    if profile.condition is Condition.MCL_SPRAIN_GRADE_1 and mild(profile):
        high = MILD_MCL1_BY
    assert low <= day <= high, (profile.condition.value, day, (low, high))


def check_irritable(plan, profile) -> None:
    if irritable(profile):
        assert plan.running.status == "awaiting_review"
        assert not any(s.run_walk for s in plan.sessions)
        assert "irritable" in {n.key for n in plan.notices}
        last_week = [s for s in plan.sessions if s.date > plan.end_date - 7 * DAY]
        assert any(s.kind is SessionKind.REVIEW for s in last_week), "ends with a review"
    else:
        assert plan.running.status == "dated"


def check_age_and_arthritis(plan, profile, library) -> None:
    notices = {n.key for n in plan.notices}
    if older(profile):
        for s in plan.sessions:
            for e in s.exercises:
                ex = library.get(e.exercise_id)
                assert ex.type is not ExerciseType.PLYOMETRIC and Tag.IMPACT not in ex.tags, (
                    "no hopping with arthritis or from 65", s.date, ex.id)  # fmt: skip
        assert "falls" in notices
        for p in plan.phases:
            assert not any("hop" in c for c in p.exit_criteria), p.exit_criteria
    arthritis = profile.condition is Condition.MEDIAL_KNEE_OSTEOARTHRITIS or "arthritis" in {
        f.value for f in profile.factors
    }
    if arthritis:
        assert "oa_education" in notices
    if profile.age < YOUNG_BELOW:
        assert "guardian" in notices


def check_dosing(plan, library) -> None:
    """Isotonic 2-3 sets of 8-15 (no fourth set), isometric holds with 2-minute rests, and
    balance with eyes open before eyes closed."""
    balance_seen: list[str] = []
    for s in plan.sessions:
        for e in s.exercises:
            ex = library.get(e.exercise_id)
            if ex.type in (ExerciseType.ISOTONIC, ExerciseType.ECCENTRIC):
                assert e.sets <= 3 and (e.reps is None or e.reps <= 15), (s.date, ex.id, e.sets)
            if ex.type is ExerciseType.ISOMETRIC and (e.hold_s or 0) >= 20 and e.sets > 1:
                assert (e.rest_s or 0) >= ISOMETRIC_REST_S, (s.date, ex.id, e.rest_s)
            if ex.type is ExerciseType.BALANCE:
                balance_seen.append(ex.id)
    closed = [i for i, x in enumerate(balance_seen) if "eyes_closed" in x]
    if closed:
        assert any("eyes_closed" not in x for x in balance_seen[: closed[0]]), (
            "eyes closed before eyes open")  # fmt: skip


def check_one_pain_rule(plan) -> None:
    """Pain numbers are stated by the plan's one pain rule, not by sessions or cautions."""
    assert plan.pain_rule is not None and [t.colour for t in plan.pain_rule.tiers] == [
        "green", "amber", "red"]  # fmt: skip
    for s in plan.sessions:
        if s.kind is SessionKind.REVIEW:
            continue  # exit criteria quote pain scores as tests, not as the pain rule
        for note in s.notes:
            assert not PAIN_NUMBER.search(note), (s.date, note)
    for p in plan.phases:
        for caution in p.cautions:
            assert not PAIN_NUMBER.search(caution), caution


def check_reviews(plan) -> None:
    """A review closes every phase: in its last week, or the day after it where a thin week's
    only training fell on the phase's last day."""
    for block in plan.phases:
        last_week = [s for s in plan.sessions if block.end - 6 * DAY <= s.date <= block.end + DAY]
        assert any(s.kind is SessionKind.REVIEW for s in last_week), block.key
    assert plan.sessions[-1].kind is SessionKind.REVIEW or any(
        s.kind is SessionKind.REVIEW for s in plan.sessions if s.date > plan.end_date - 7 * DAY
    )


def check_identity(plan) -> None:
    uids = [s.uid for s in plan.sessions]
    assert len(uids) == len(set(uids))
    assert all(UID.match(u) for u in uids)


def check_landings(plan, library) -> None:
    """Plyometrics: "30–80 low-intensity contacts" a session (each leg counts)."""
    for s in plan.sessions:
        contacts = 0
        for e in s.exercises:
            ex = library.get(e.exercise_id)
            if ex.type is ExerciseType.PLYOMETRIC and e.reps:
                contacts += e.sets * e.reps * (2 if ex.laterality.value == "unilateral" else 1)
        assert contacts <= 80, (s.date, contacts)


def check_plan_length(plan, profile) -> None:
    weeks = ((plan.end_date - plan.start_date).days + 1) // 7
    goal = weekly_minutes(profile, profile.goal_weekly_km)
    baseline = weekly_minutes(profile, profile.baseline_weekly_km)
    if goal > baseline:
        return
    if profile.condition is Condition.MCL_SPRAIN_GRADE_1 and mild(profile):
        limit = PLAN_WEEKS["mild_mcl1"]
    elif profile.condition is Condition.MEDIAL_KNEE_OSTEOARTHRITIS:
        limit = PLAN_WEEKS["oa"]
    else:
        limit = PLAN_WEEKS["other"]
    assert weeks <= limit, (profile.condition.value, weeks, limit)


def check_plan_ends_at_goal(plan, profile) -> None:
    """A plan that says it reached its target held it for its last two weeks; one that did
    not says what comes next; the end-of-plan figure is the peak the plan reaches."""
    running = plan.running
    if running.status != "dated":
        return
    loads = [w.run_minutes for w in plan.weekly_load]
    assert math.isclose(
        running.peak_weekly_distance,
        round(max(w.run_distance for w in plan.weekly_load), 1),
        abs_tol=0.15,
    ), (running.peak_weekly_distance, max(w.run_distance for w in plan.weekly_load))
    goal = weekly_minutes(profile, profile.goal_weekly_km)
    baseline = weekly_minutes(profile, profile.baseline_weekly_km)
    training_goal = baseline and goal > TRAINING_GOAL_ABOVE * baseline and goal > TABLE_TOP
    target = baseline if training_goal else goal
    if running.reached_target:
        runs = [len([s for s in plan.sessions if s.run_walk and
                     w.week_start <= s.date < w.week_start + 7 * DAY])
                for w in plan.weekly_load[-2:]]  # fmt: skip
        for minutes, count in zip(loads[-2:], runs, strict=True):
            assert minutes >= min(target, max(loads)) - count - 1, (loads[-2:], target)
    else:
        assert running.handover, "a plan that stops short of its target says what comes next"
    if training_goal:
        assert "training_goal" in {n.key for n in plan.notices}
        assert max(loads) <= max(baseline * (1 + BEYOND_BASELINE) + 5, TABLE_TOP + 5)
