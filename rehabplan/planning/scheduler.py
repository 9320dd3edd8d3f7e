"""Week-by-week scheduling: which session goes on which day, from start date (or from a re-plan).

Rules, all from the protocol data:
* sessions only on the runner's available days, at their time; every plan week keeps at least
  one full rest day (if all seven days are available, the last day of each plan week is free);
* acute: gentle strength with home care, low-impact cross-training on other days, never running;
* strengthening: 2–3 strength sessions a week at least 48 h apart when the days allow,
  mobility and cross-training on the others, doses rising week by week;
* return to run: optional brisk-walking weeks, the staged run/walk path on non-consecutive
  days, then continuous running growing ≤ 10 % a week with every run ≤ 110 % of the longest
  run in the previous 30 days; strength maintenance twice a week throughout;
* a review on the last training day of every phase (and half-way through strengthening when
  a factor or the condition asks for it).

The same scheduler continues a plan from a given state (``Resume``) for re-planning after
check-ins, so the first plan and a re-plan follow exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from rehabplan.models.plan import PlannedExercise, RunWalk, Session
from rehabplan.planning import exercises as picks
from rehabplan.planning.context import Context
from rehabplan.vocab import Phase, SessionKind

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Resume:
    """Where a re-plan picks up: sessions before ``today`` stay exactly as they were."""

    today: dt.date
    kept: tuple[Session, ...] = ()
    stage: int = 1
    """Run/walk stage of the next run session (past the last stage: continuous build-up)."""
    done_in_stage: int = 0
    """Successful sessions already done at ``stage``."""
    rest_days: frozenset[dt.date] = frozenset()
    """Days kept free after a step back."""
    strength_hold: int = 0
    """Weekly strength progressions held back (a dose is repeated instead of raised)."""
    load_factor: float | None = None
    """Growth of the next continuous-running week (1.0 = hold, < 1 = step back)."""


@dataclass
class Schedule:
    sessions: list[Session]
    weeks: int
    acute_weeks: int
    strengthening_weeks: int


@dataclass
class _State:
    cross_index: int = 0
    alternate: int = 0
    build_up_weeks: int = 0
    goal_weeks: int = 0
    first_generated_build_up: bool = True


def _session(
    ctx: Context,
    day: dt.date,
    phase: Phase,
    kind: SessionKind,
    title: str,
    duration: int,
    *,
    exercises: list[PlannedExercise] | None = None,
    run_walk: RunWalk | None = None,
    notes: list[str] | None = None,
) -> Session:
    return Session(
        uid="",
        date=day,
        start_time=ctx.start_time_on(day),
        duration_min=duration,
        phase=phase,
        kind=kind,
        title=title,
        exercises=exercises or [],
        run_walk=run_walk,
        notes=notes or [],
    )


def _is_strength(s: Session) -> bool:
    """A strength session, or a run/walk (no exercises of its own) or walk (one) with the
    maintenance exercises appended."""
    return s.kind is SessionKind.STRENGTH or len(s.exercises) > (0 if s.run_walk else 1)


def _is_run(s: Session) -> bool:
    return s.run_walk is not None


def _is_walk(s: Session) -> bool:
    return s.kind is SessionKind.CROSS_TRAINING and s.title.startswith("Brisk walk")


def run_minutes(session: Session) -> int:
    rw = session.run_walk
    return rw.run_min * rw.repeats if rw else 0


def _spaced(days: list[dt.date], count: int, last: dt.date | None) -> list[dt.date]:
    """Up to ``count`` of ``days`` with at least one free day between picks (and after ``last``)."""
    out: list[dt.date] = []
    for day in days:
        if len(out) >= count:
            break
        if last is None or (day - last).days >= 2:
            out.append(day)
            last = day
    return out


def _spread(days: list[dt.date], count: int) -> list[dt.date]:
    """``count`` of ``days`` spread evenly (first and last included)."""
    if count >= len(days):
        return list(days)
    if count <= 1:
        return days[:count]
    idx = {int(i * (len(days) - 1) / (count - 1) + 0.5) for i in range(count)}
    return [days[i] for i in sorted(idx)]


class Scheduler:
    def __init__(self, ctx: Context, resume: Resume | None = None):
        self.ctx = ctx
        self.protocol = ctx.protocol
        self.resume = resume
        self.today = resume.today if resume else ctx.start
        self.sessions: list[Session] = list(resume.kept) if resume else []
        self.rest_days = resume.rest_days if resume else frozenset()
        lengths = ctx.lengths
        self.acute_weeks = lengths.acute_weeks
        self.strength_end = lengths.acute_weeks + lengths.strengthening_weeks
        rw = self.protocol.run_walk
        per_stage = (
            rw.sessions_per_stage_conservative if ctx.conservative else rw.sessions_per_stage
        )
        stage = resume.stage if resume else 1
        done = resume.done_in_stage if resume else 0
        self.path: list[int] = []
        for spec in rw.stages:
            if spec.stage >= stage:
                repeat = per_stage - done if spec.stage == stage else per_stage
                self.path += [spec.stage] * max(0, repeat)
        # First plan week of continuous build-up (None until the stages are scheduled).
        self.build_up_week: int | None = None
        if not self.path and stage > len(rw.stages):
            stage_days = [s.date for s in self.sessions
                          if s.run_walk and s.run_walk.stage <= len(rw.stages)]  # fmt: skip
            last = max(stage_days, default=None)
            self.build_up_week = 0 if last is None else (last - ctx.start).days // 7 + 1
        self.last_kept = max((s.date for s in self.sessions), default=None)
        self.state = _State()
        for s in self.sessions:
            self._remember(s)

    # -- helpers -----------------------------------------------------------------------

    def _remember(self, s: Session) -> None:
        """Rotation counters (cross-training choice, cross/mobility alternation)."""
        if s.kind is SessionKind.CROSS_TRAINING:
            self.state.cross_index += 1
        if s.kind in (SessionKind.CROSS_TRAINING, SessionKind.MOBILITY):
            self.state.alternate += 1

    def _add(self, s: Session) -> None:
        self.sessions.append(s)
        self._remember(s)

    def _week_start(self, week: int) -> dt.date:
        return self.ctx.start + 7 * week * DAY

    def _days(self, week: int, *, for_review: bool = False) -> list[dt.date]:
        """Training days of ``week``; a review (no load) may also fall on a rest day."""
        start = self._week_start(week)
        return [
            d
            for d in (start + i * DAY for i in range(7))
            if d.weekday() in self.ctx.training_weekdays and (for_review or d not in self.rest_days)
        ]

    def _phase(self, week: int) -> Phase:
        if week < self.acute_weeks:
            return Phase.ACUTE
        if week < self.strength_end:
            return Phase.STRENGTHENING
        return Phase.RETURN_TO_RUN

    def _in_build_up(self, week: int) -> bool:
        return self.build_up_week is not None and week >= self.build_up_week

    def _in_week(self, week: int) -> list[Session]:
        start = self._week_start(week)
        return [s for s in self.sessions if start <= s.date < start + 7 * DAY]

    def _kept_in_week(self, week: int, wanted: Callable[[Session], bool]) -> int:
        """Sessions of ``week`` kept from before a re-plan that satisfy ``wanted``."""
        return sum(1 for s in self._in_week(week) if wanted(s))

    def _week_run_minutes(self, week: int) -> int:
        start = self._week_start(week)
        end = start + 7 * DAY
        return sum(run_minutes(s) for s in self.sessions if start <= s.date < end)

    def _longest_recent(self, day: dt.date) -> int:
        window = day - 30 * DAY
        recent = [run_minutes(s) for s in self.sessions if window <= s.date < day]
        return max(recent, default=0)

    def _level(self, week: int, phase: Phase) -> int:
        if phase is Phase.ACUTE:
            base = week
        elif phase is Phase.STRENGTHENING:
            base = week - self.acute_weeks
        else:
            base = (week - self.strength_end) // 2
        hold = self.resume.strength_hold if self.resume else 0
        return max(0, base - hold)

    # -- session builders ----------------------------------------------------------------

    def _pain_note(self, day: dt.date) -> str:
        limit = self.ctx.progress_limit(day)
        hold = self.protocol.pain.hold_max_during
        return (
            f"Pain up to {limit}/10 during the session is fine if it has settled by the next "
            f"morning; at {limit + 1}–{hold}/10 repeat this level next time instead of "
            f"progressing; above {hold}/10 stop and ease back."
        )

    def _strength(
        self, day: dt.date, phase: Phase, level: int, week_in_phase: int, *, hops: bool = True
    ) -> Session:
        items = picks.strength_block(self.ctx, phase, level, hops=hops)
        if phase is Phase.ACUTE:
            items = (
                items
                + picks.mobility_block(self.ctx, phase)
                + picks.recovery_block(self.ctx, phase)
            )
            title = "Gentle strength, mobility and knee care"
        elif phase is Phase.STRENGTHENING:
            title = f"Strength training, week {week_in_phase + 1}"
        else:
            title = "Strength maintenance"
        duration = picks.minutes_of(items, self.ctx.library)
        return _session(
            self.ctx, day, phase, SessionKind.STRENGTH, title, duration,
            exercises=items, notes=[self._pain_note(day)],
        )  # fmt: skip

    def _cross(self, day: dt.date, phase: Phase) -> Session:
        options = picks.cardio_options(self.ctx, phase)
        if not options:
            return self._mobility(day, phase)
        ex = options[self.state.cross_index % len(options)]
        item = picks.planned(self.ctx, ex, ex.dose[phase])
        return _session(
            self.ctx, day, phase, SessionKind.CROSS_TRAINING, f"Cross-training: {ex.name}",
            item.duration_min or 30, exercises=[item], notes=[self._pain_note(day)],
        )  # fmt: skip

    def _mobility(self, day: dt.date, phase: Phase) -> Session:
        items = picks.mobility_block(self.ctx, phase)
        title = "Mobility" if phase is Phase.ACUTE else "Mobility and balance"
        return _session(
            self.ctx, day, phase, SessionKind.MOBILITY, title,
            picks.minutes_of(items, self.ctx.library), exercises=items,
        )  # fmt: skip

    def _other(self, day: dt.date, phase: Phase) -> Session:
        """Days without strength or running alternate cross-training and mobility."""
        use_cross = self.state.alternate % 2 == 0 and picks.cardio_options(self.ctx, phase)
        return self._cross(day, phase) if use_cross else self._mobility(day, phase)

    def _review(self, day: dt.date, phase: Phase, *, mid: bool = False) -> Session:
        spec = self.protocol.phases[phase]
        if mid:
            title = "Mid-phase review with your clinician"
            notes = [
                "Half-way check of how the knee responds to the load so far.",
                *spec.goals,
            ]
        else:
            title = f"Review: end of “{spec.title}”"
            notes = ["Check with your clinician whether you meet these:",
                     *self.ctx.criteria(list(spec.exit_criteria))]  # fmt: skip
        return _session(
            self.ctx, day, phase, SessionKind.REVIEW, title, 30, notes=notes
        )  # fmt: skip

    def _run_session(
        self, day: dt.date, stage: int, run_min: int, walk_min: int, repeats: int
    ) -> Session:
        rw = self.protocol.run_walk
        pace = rw.continuous.easy_pace_min_per_km
        run_walk = RunWalk(
            stage=stage, run_min=run_min, walk_min=walk_min, repeats=repeats,
            run_km=round(run_min * repeats / pace, 2),
        )  # fmt: skip
        if stage > len(rw.stages):
            title = f"Easy continuous run: {run_min} min"
        elif walk_min == 0:
            title = f"Run/walk stage {stage}: run {run_min} min without walking"
        else:
            title = f"Run/walk stage {stage}: {repeats} × (run {run_min} min, walk {walk_min} min)"
        duration = rw.warm_up_min + (run_min + walk_min) * repeats + rw.cool_down_min
        notes = [
            f"Warm up with {rw.warm_up_min} min of brisk walking; cool down with "
            f"{rw.cool_down_min} min of easy walking.",
            self._pain_note(day),
        ]
        return _session(
            self.ctx, day, Phase.RETURN_TO_RUN, SessionKind.RUN_WALK, title, duration,
            run_walk=run_walk, notes=notes,
        )  # fmt: skip

    def _stage_session(self, day: dt.date, stage: int) -> Session:
        spec = self.protocol.run_walk.stages[stage - 1]
        return self._run_session(day, stage, spec.run_min, spec.walk_min, spec.repeats)

    def _walk(self, day: dt.date) -> Session:
        ex = picks.walking(self.ctx, Phase.RETURN_TO_RUN)
        if ex is None:
            return self._cross(day, Phase.RETURN_TO_RUN)
        item = picks.planned(self.ctx, ex, ex.dose[Phase.RETURN_TO_RUN])
        return _session(
            self.ctx, day, Phase.RETURN_TO_RUN, SessionKind.CROSS_TRAINING,
            "Brisk walk (walking comes before running)", item.duration_min or 30,
            exercises=[item], notes=[self._pain_note(day)],
        )  # fmt: skip

    # -- weeks ---------------------------------------------------------------------------

    def _acute_week(self, week_days: list[dt.date], level: int) -> None:
        """Strength on spread-out days, cross-training between; ``week_days`` is the whole
        week so a re-plan from mid-week keeps the same split."""
        spec = self.protocol.phases[Phase.ACUTE].strength_sessions_per_week
        low = spec.min if spec else 3
        real_cross = [e for e in picks.cardio_options(self.ctx, Phase.ACUTE)
                      if e.id != "brisk_walking"]  # fmt: skip
        if real_cross and len(week_days) > low:
            strength_days = _spread(week_days, max(low, math.ceil(len(week_days) / 2)))
        else:
            strength_days = week_days
        for day in (d for d in week_days if d >= self.today):
            if day in strength_days:
                self._add(self._strength(day, Phase.ACUTE, level, 0))
            else:
                self._add(self._cross(day, Phase.ACUTE))

    # Each week is allocated as a whole from the state at the start of the week, then only
    # the days from ``today`` on are emitted. A re-plan therefore reproduces the same week
    # when nothing changed, and adapts only what lies ahead when something did.

    def _last_before(self, day: dt.date, wanted: Callable[[Session], bool]) -> dt.date | None:
        return max((s.date for s in self.sessions if s.date < day and wanted(s)), default=None)

    def _future(self, days: list[dt.date]) -> list[dt.date]:
        return [d for d in days if d >= self.today]

    def _strengthening_week(self, week: int, week_days: list[dt.date], level: int) -> None:
        spec = self.protocol.phases[Phase.STRENGTHENING].strength_sessions_per_week
        low, high = (spec.min, spec.max) if spec else (2, 3)
        target = low if self.ctx.conservative else high
        last = self._last_before(self._week_start(week), _is_strength)
        chosen = _spaced(week_days, target, last)
        for day in week_days:  # too few spaced days: accept neighbours to reach the minimum
            if len(chosen) >= min(low, len(week_days)):
                break
            if day not in chosen:
                chosen.append(day)
        week_in_phase = week - self.acute_weeks
        for day in self._future(week_days):
            if day in chosen:
                self._add(self._strength(day, Phase.STRENGTHENING, level, week_in_phase))
            else:
                self._add(self._other(day, Phase.STRENGTHENING))

    def _rtr_week(self, week: int, week_days: list[dt.date], level: int) -> None:
        rw = self.protocol.run_walk
        cap = rw.continuous.runs_per_week.min
        start = self._week_start(week)
        rtr_week = week - self.strength_end
        runs: list[Session] = []
        walking = rtr_week < self.ctx.lengths.walk_weeks  # no hops before running starts
        if walking:
            run_days = _spaced(week_days, cap, self._last_before(start, _is_walk))
            runs = [self._walk(d) for d in self._future(run_days)]
        elif not self._in_build_up(week):
            run_days = _spaced(week_days, cap, self._last_before(start, _is_run))
            runs = self._stage_runs(week, run_days)
            if not self.path and self.build_up_week is None:
                self.build_up_week = week + 1
        else:
            run_days, runs = self._build_up_runs(week, week_days)
        rest = [d for d in week_days if d not in run_days]
        strength_days = _spaced(rest, 2, self._last_before(start, _is_strength))
        # Too few free days: the maintenance exercises follow the first runs of the week.
        with_strength = set(run_days[: 2 - len(strength_days)])
        extra = picks.strength_block(self.ctx, Phase.RETURN_TO_RUN, level, hops=not walking)
        emitted = {s.date for s in runs}
        for s in runs:
            if s.date in with_strength:
                s = s.model_copy(
                    update={
                        "title": s.title + " + strength",
                        "exercises": list(s.exercises) + extra,
                        "duration_min": s.duration_min + picks.minutes_of(extra, self.ctx.library),
                    }
                )
            self._add(s)
        for day in self._future(week_days):
            if day in emitted:
                continue
            if day in strength_days:
                self._add(
                    self._strength(day, Phase.RETURN_TO_RUN, level, rtr_week, hops=not walking)
                )
            else:
                self._add(self._other(day, Phase.RETURN_TO_RUN))

    def _stage_runs(self, week: int, run_days: list[dt.date]) -> list[Session]:
        """Run/walk sessions on this week's run days from today, following the stage path.

        After a change (a step back, a rest day) the runs already done this week still count:
        no more than the weekly number, and never the day after an early-stage run.
        """
        rw = self.protocol.run_walk
        done = [s for s in self._in_week(week) if s.run_walk is not None]
        future = self._future(run_days)
        if not future:
            return []
        last_early = self._last_before(future[0], self._is_early_run)
        room = rw.continuous.runs_per_week.min - len(done)
        out: list[Session] = []
        for day in future:
            if len(out) >= room:
                break
            if last_early is not None and (day - last_early).days < 2:
                continue
            if self.path:
                stage = self.path.pop(0)
                out.append(self._stage_session(day, stage))
                if stage <= rw.no_consecutive_days_through_stage:
                    last_early = day
            else:
                # The last stage was reached mid-week: repeat it as continuous running.
                last = rw.stages[-1]
                out.append(self._run_session(day, len(rw.stages) + 1,
                                             last.run_min * last.repeats, 0, 1))  # fmt: skip
        return out

    def _is_early_run(self, s: Session) -> bool:
        limit = self.protocol.run_walk.no_consecutive_days_through_stage
        return s.run_walk is not None and s.run_walk.stage <= limit

    def _build_up_runs(
        self, week: int, week_days: list[dt.date]
    ) -> tuple[list[dt.date], list[Session]]:
        cont = self.protocol.run_walk.continuous
        start = self._week_start(week)
        want = cont.runs_per_week.min
        run_days = _spaced(week_days, want, self._last_before(start, _is_run))
        early = self._last_before(start, self._is_early_run)
        for day in week_days:  # after the early stages, consecutive days are allowed if needed
            if len(run_days) >= want:
                break
            if day not in run_days and (early is None or (day - early).days >= 2):
                run_days.append(day)
        run_days.sort()
        if not run_days:
            return [], []
        previous = [self._week_run_minutes(w) for w in range(week - 1, -1, -1)]
        base = next((m for m in previous if m > 0), 0)
        factor = 1 + cont.weekly_increase_max
        future = self._future(run_days)
        if self.resume and self.resume.load_factor is not None and future and (
            self.state.first_generated_build_up
        ):  # fmt: skip
            factor = min(factor, self.resume.load_factor)
            self.state.first_generated_build_up = False
        last_stage = self.protocol.run_walk.stages[-1]
        goal = self.ctx.goal_minutes()
        # Never below last week: a goal the run/walk stages already passed is held, not
        # undercut (a 1 km goal must not end the plan on 2-minute runs).
        target = min(max(goal, base), math.floor(base * factor)) if base else last_stage.run_min
        per_run = target // len(run_days)
        out: list[Session] = []
        for day in future:
            longest = self._longest_recent(day) or last_stage.run_min * last_stage.repeats
            minutes = min(per_run, math.floor(longest * cont.longest_run_max))
            if minutes < 1:
                continue
            s = self._run_session(day, len(self.protocol.run_walk.stages) + 1, minutes, 0, 1)
            self.sessions.append(s)  # visible to the 30-day window of later runs this week
            out.append(s)
        for s in out:
            self.sessions.remove(s)
        runs_kept = [s for s in self._in_week(week) if s.run_walk is not None]
        total = sum(run_minutes(s) for s in runs_kept + out)
        self._count_build_up_week(total, len(runs_kept) + len(out))
        return run_days, out

    def _count_build_up_week(self, minutes: int, runs: int) -> None:
        """One more week of continuous running; at goal when within a minute a run of it."""
        self.state.build_up_weeks += 1
        if minutes >= self.ctx.goal_minutes() - runs:
            self.state.goal_weeks += 1

    # -- main loop -----------------------------------------------------------------------

    def _review_days(self) -> dict[dt.date, tuple[Phase, bool]]:
        out: dict[dt.date, tuple[Phase, bool]] = {}
        ends = {Phase.ACUTE: self.acute_weeks - 1, Phase.STRENGTHENING: self.strength_end - 1}
        for phase, week in ends.items():
            days = self._days(week, for_review=True)
            if days:
                out[days[-1]] = (phase, False)
        if self.ctx.extra_review:
            lengths = self.ctx.lengths
            mid = self.acute_weeks + math.ceil(lengths.strengthening_weeks / 2) - 1
            days = self._days(mid, for_review=True)
            if mid < self.strength_end - 1 and days and days[-1] not in out:
                out[days[-1]] = (Phase.STRENGTHENING, True)
        return out

    def _finished(self, week: int) -> bool:
        rtr_spec = self.protocol.phases[Phase.RETURN_TO_RUN].weeks
        rtr_weeks = week - self.strength_end + 1
        if rtr_weeks >= rtr_spec.max:
            return True
        if self.last_kept is not None and self.last_kept >= self._week_start(week + 1):
            return False  # a re-plan never ends the plan before sessions already lived
        if self._kept_in_week(
            week, lambda s: s.kind is SessionKind.REVIEW and s.phase is Phase.RETURN_TO_RUN
        ):
            return True  # the plan being continued already ended with its final review
        if rtr_weeks < rtr_spec.min or not self._in_build_up(week):
            return False
        cont = self.protocol.run_walk.continuous
        return self.state.goal_weeks >= 2 or self.state.build_up_weeks >= cont.max_weeks

    def run(self) -> Schedule:
        reviews = self._review_days()
        week = 0
        while True:
            phase = self._phase(week)
            days = self._days(week)
            training = [d for d in days if d not in reviews]
            level = self._level(week, phase)
            if phase is Phase.ACUTE:
                self._acute_week(training, level)
            elif phase is Phase.STRENGTHENING:
                self._strengthening_week(week, training, level)
            else:
                self._rtr_week(week, training, level)
            for day in self._days(week, for_review=True):
                if day in reviews and day >= self.today:
                    review_phase, mid = reviews[day]
                    self._add(self._review(day, review_phase, mid=mid))
            if phase is Phase.RETURN_TO_RUN and self._finished(week):
                last = self._days(week, for_review=True)[-1]
                if last >= self.today:  # otherwise the plan ended before this re-plan
                    self.sessions = [s for s in self.sessions if s.date != last]
                    self._add(self._review(last, Phase.RETURN_TO_RUN))
                break
            week += 1
        self.sessions.sort(key=lambda s: s.date)
        return Schedule(
            sessions=self.sessions,
            weeks=week + 1,
            acute_weeks=self.acute_weeks,
            strengthening_weeks=self.strength_end - self.acute_weeks,
        )
