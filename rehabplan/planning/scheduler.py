"""Week-by-week scheduling: which session goes on which day, from the start or a re-plan.

The rules, all from the protocol data (CLINICAL-REFERENCE §3, §4 and §7):

* every day of the plan has the short daily routine (knee range of motion and brief holds in
  the acute phase, stretches and balance afterwards) unless a longer session holds it; load
  goes only on the runner's training days, at their time, and every week keeps at least one
  day without load;
* strength work (the acute home programme, strength sessions, the short block after a run)
  is never on consecutive days;
* acute: the home programme on up to three spaced days, low-impact cross-training on others;
* strengthening: two or three strength sessions a week, hopping trained in its last weeks
  where hopping is allowed, cross-training or mobility on the other training days;
* return to running: the first run/walk inside the condition's window (walking weeks first
  for knee arthritis), the staged run/walk table on non-consecutive days from the runner's
  entry stage, then continuous running rebuilt towards the pre-injury baseline; strength
  maintenance twice a week on non-running days where the week allows;
* an irritable knee gets no dated running: the plan ends with the review that decides it;
* a review on the last training day of each phase (and half-way through strengthening when
  a factor or the condition asks for it); the plan ends once the target volume has been held
  for two weeks, or at the condition's longest plan with a hand-over.

The phase modules (``phases/``) decide a week's days; this module keeps the state they share.
The same scheduler continues a plan from a given state (``Resume``) for re-planning after
check-ins, so the first plan and a re-plan follow exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rehabplan.models.plan import Session
from rehabplan.planning import sessions as build
from rehabplan.planning.context import Context
from rehabplan.vocab import Phase, SessionKind

DAY = dt.timedelta(days=1)
REVIEW_MEASURES = (
    "An appointment with your clinician: book it for this day or close to it. Bring your "
    "check-ins; your clinician records your pain scores, the activities you find hard "
    "(rated 0 to 10) and how well the knee works for running (0 to 100 %)."
)


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
    running_cleared: bool = False
    """An irritable knee has settled (check-ins): the return to running may now be dated."""


@dataclass
class Schedule:
    sessions: list[Session]
    weeks: int
    reached_target: bool = False
    handover: bool = False
    peak_minutes: int = 0


def run_minutes(session: Session) -> int:
    rw = session.run_walk
    return rw.run_min * rw.repeats if rw else 0


def is_strength(s: Session) -> bool:
    """Strength work that day: a strength session or a run followed by short strength."""
    return s.kind is SessionKind.STRENGTH or any(e.part == "strength" for e in s.exercises)


def is_run(s: Session) -> bool:
    return s.run_walk is not None


def is_walk(s: Session) -> bool:
    return s.label == "Brisk walk"


def spaced(days: Iterable[dt.date], count: int, last: dt.date | None) -> list[dt.date]:
    """Up to ``count`` of ``days`` with at least one free day between picks (and ``last``)."""
    out: list[dt.date] = []
    for day in days:
        if len(out) >= count:
            break
        if last is None or (day - last).days >= 2:
            out.append(day)
            last = day
    return out


@dataclass
class _State:
    cross_index: int = 0
    alternate: int = 0
    goal_weeks: int = 0
    build_weeks: int = 0
    build_started: bool = False
    load_factor_used: bool = False
    reached_target: bool = False
    handover: bool = False
    reviewed: bool = False
    """The plan being continued already held its final review."""
    after_run_half: int = 0
    """Which half of the strength session the next short block after a run holds."""


@dataclass
class Scheduler:
    ctx: Context
    resume: Resume | None = None
    sessions: list[Session] = field(default_factory=list)

    def __post_init__(self) -> None:
        ctx, resume = self.ctx, self.resume
        self.protocol = ctx.protocol
        self.today = resume.today if resume else ctx.start
        self.sessions = list(resume.kept) if resume else []
        self.rest_days = resume.rest_days if resume else frozenset()
        self.hold = resume.strength_hold if resume else 0
        self.state = _State()
        rw = self.protocol.run_walk
        stage = resume.stage if resume else ctx.entry_stage
        done = resume.done_in_stage if resume else 0
        per_stage = (
            rw.sessions_per_stage_conservative if ctx.conservative else rw.sessions_per_stage
        )
        self.path: list[int] = []
        for spec in rw.stages:
            if spec.stage >= stage:
                repeat = per_stage - done if spec.stage == stage else per_stage
                self.path += [spec.stage] * max(0, repeat)
        self.last_kept = max((s.date for s in self.sessions), default=None)
        for s in self.sessions:
            self._remember(s)
        self.reviews = self._review_days()

    # -- shared helpers for the phase modules -------------------------------------------

    def _remember(self, s: Session) -> None:
        if s.kind is SessionKind.CROSS_TRAINING and not is_walk(s):
            self.state.cross_index += 1
        if s.kind in (SessionKind.CROSS_TRAINING, SessionKind.MOBILITY):
            self.state.alternate += 1

    def add(self, s: Session) -> None:
        s = self._per_week(s)
        self.sessions.append(s)
        self._remember(s)

    def _per_week(self, s: Session) -> Session:
        """An exercise the clinician gave a weekly frequency leaves the sessions of a week
        once it has been done that many times (the same days on every re-plan)."""
        from rehabplan.planning.adjustments import per_week

        week = self.in_week(self.week_of(s.date))
        kept = []
        for item in s.exercises:
            times = per_week(self.ctx, item.exercise_id, s.phase)
            done = sum(1 for x in week for e in x.exercises if e.exercise_id == item.exercise_id)
            if times is None or done < times:
                kept.append(item)
        if len(kept) == len(s.exercises):
            return s
        from rehabplan.planning.adjustments import adjusted_minutes

        minutes = adjusted_minutes(self.ctx, s.duration_min, list(s.exercises), kept)
        return s.model_copy(update={"exercises": kept, "duration_min": minutes})

    def week_of(self, day: dt.date) -> int:
        return (day - self.ctx.start).days // 7

    def week_start(self, week: int) -> dt.date:
        return self.ctx.start + 7 * week * DAY

    def week_days(self, week: int) -> list[dt.date]:
        start = self.week_start(week)
        return [start + i * DAY for i in range(7)]

    def future(self, days: Iterable[dt.date]) -> list[dt.date]:
        return [d for d in days if d >= self.today]

    def training(self, days: Iterable[dt.date]) -> list[dt.date]:
        """Days that may take load: training weekdays, no step-back rest, no review."""
        return [
            d
            for d in days
            if self.ctx.is_training_day(d) and d not in self.rest_days and d not in self.reviews
        ]

    def last_before(self, day: dt.date, wanted: Callable[[Session], bool]) -> dt.date | None:
        return max((s.date for s in self.sessions if s.date < day and wanted(s)), default=None)

    def in_week(self, week: int) -> list[Session]:
        start = self.week_start(week)
        return [s for s in self.sessions if start <= s.date < start + 7 * DAY]

    def week_run_minutes(self, week: int) -> int:
        return sum(run_minutes(s) for s in self.in_week(week))

    def longest_recent(self, day: dt.date) -> int:
        window = day - 30 * DAY
        return max((run_minutes(s) for s in self.sessions if window <= s.date < day), default=0)

    def level(self, phase: Phase, day: dt.date) -> int:
        """Weekly progressions reached by ``day`` in ``phase`` (held weeks subtracted)."""
        line = self.ctx.timeline
        offset = (day - self.ctx.start).days
        if phase is Phase.ACUTE:
            base = offset // 7
        elif phase is Phase.STRENGTHENING:
            base = max(0, offset - line.acute_days) // 7
        else:
            done = line.strengthening_weeks
            base = done + max(0, offset - (line.return_day or offset)) // 14
        return max(0, base - self.hold)

    # -- reviews -------------------------------------------------------------------------

    def _review_day(self, first: int, last: int, *, may_follow: bool = True) -> dt.date | None:
        """The review day of a phase whose last week is ``first`` .. ``last``: its last
        training day when the week has three or more; otherwise a day without training
        after the week's training (the day after the phase if need be), so the review never
        takes one of a thin week's few sessions (reviews are appointments, not training)."""
        if last < first:
            return None
        days = [self.ctx.day(o) for o in range(first, last + 1)]
        training = [d for d in days if self.ctx.is_training_day(d)]
        if len(training) >= 3:
            return training[-1]
        # Two training days or fewer: keep them for training and see the clinician on
        # another day, after the week's training where there is one.
        after = [d for d in days if d not in training and (not training or d > training[-1])]
        following = self.ctx.day(last + 1)
        if not after and may_follow and not self.ctx.is_training_day(following):
            after = [following]
        rest = [d for d in days if d not in training]
        return (after or rest or days)[-1]

    def _review_days(self) -> dict[dt.date, tuple[Phase, str]]:
        line = self.ctx.timeline
        out: dict[dt.date, tuple[Phase, str]] = {}
        end_acute = self._review_day(max(0, line.acute_days - 7), line.acute_days - 1)
        if end_acute:
            out[end_acute] = (Phase.ACUTE, "end")
        strength_end = (
            line.return_day
            if line.return_day is not None
            else line.acute_days + 7 * line.strengthening_weeks
        )
        end_strength = self._review_day(
            max(line.acute_days, strength_end - 7),
            strength_end - 1,
            may_follow=line.return_day is not None,  # the plan ends with it otherwise
        )
        if end_strength and end_strength not in out:
            out[end_strength] = (Phase.STRENGTHENING, "end")
        if (self.ctx.extra_review or self.ctx.irritable) and line.strengthening_weeks >= 3:
            mid = line.acute_days + 7 * math.ceil(line.strengthening_weeks / 2)
            day = self._review_day(mid - 7, mid - 1)
            if day and day not in out and (end_strength is None or day < end_strength):
                out[day] = (Phase.STRENGTHENING, "mid")
        return out

    def _review(self, day: dt.date, phase: Phase, which: str) -> Session:
        spec = self.protocol.phases[phase]
        ctx = self.ctx
        if which == "mid":
            title = "Mid-phase review with your clinician"
            notes = ["Half-way check of how the knee responds to the load so far.", *spec.goals,
                     REVIEW_MEASURES]  # fmt: skip
        elif phase is Phase.STRENGTHENING and ctx.irritable:
            title = "Review: is the knee ready to start running?"
            notes = [
                "Your clinician checks how the knee has settled and decides when and how you "
                "start running. These are the usual signs of readiness:",
                *ctx.criteria(list(self.protocol.run_walk.entry_criteria)),
                REVIEW_MEASURES,
            ]
        else:
            title = f"Review: end of “{spec.title}”"
            notes = ["Check with your clinician whether you meet these:",
                     *ctx.criteria(list(spec.exit_criteria)), REVIEW_MEASURES]  # fmt: skip
        on = ctx.phase_on(day)  # the day after a phase belongs to the next one
        return build.review(ctx, day, on, title, notes, self.level(on, day))

    # -- main loop -----------------------------------------------------------------------

    def _segments(self, week: int) -> list[tuple[Phase, list[dt.date]]]:
        out: list[tuple[Phase, list[dt.date]]] = []
        for day in self.week_days(week):
            phase = self.ctx.phase_on(day)
            if out and out[-1][0] is phase:
                out[-1][1].append(day)
            else:
                out.append((phase, [day]))
        return out

    def _finished(self, week: int) -> bool:
        ctx = self.ctx
        line = ctx.timeline
        if self.last_kept is not None and self.last_kept >= self.week_start(week + 1):
            return False  # a re-plan never ends the plan before sessions already lived
        if line.return_day is None:
            end = line.acute_days + 7 * line.strengthening_weeks
            return self.week_start(week + 1) >= ctx.day(end)
        if ctx.phase_on(self.week_start(week) + 6 * DAY) is not Phase.RETURN_TO_RUN:
            return False
        final = [s for s in self.in_week(week) if s.kind is SessionKind.REVIEW
                 and s.phase is Phase.RETURN_TO_RUN and s.date < self.today]  # fmt: skip
        if final:  # the plan being continued already ended with its final review
            reached = self.state.goal_weeks >= self.protocol.run_walk.continuous.hold_weeks
            self.state.reached_target, self.state.handover = reached, not reached
            self.state.reviewed = True
            return True
        if self.state.goal_weeks >= self.protocol.run_walk.continuous.hold_weeks:
            self.state.reached_target = True
            return True
        if week + 1 >= ctx.plan_weeks_max:
            self.state.handover = True
            return True
        return False

    def _final_review(self, week: int) -> None:
        """The closing review: after the week's last run, so it concludes the plan and the
        last week keeps its volume (a training day if one is free, else any day)."""
        days = self.future(self.week_days(week))
        if not days:
            return
        taken = {s.date: s for s in self.in_week(week)}
        last_run = max((d for d, x in taken.items() if is_run(x)), default=None)
        after = [d for d in days if last_run is None or d > last_run]
        training = [d for d in after if self.ctx.is_training_day(d)
                    and not (d in taken and is_strength(taken[d]))]  # fmt: skip
        day = (training or after or [d for d in days if not is_run(taken.get(d))] or days)[-1]
        self.sessions = [s for s in self.sessions if s.date != day]
        spec = self.protocol.phases[Phase.RETURN_TO_RUN]
        notes = ["Check with your clinician whether you meet these:",
                 *self.ctx.criteria(list(spec.exit_criteria)), REVIEW_MEASURES]  # fmt: skip
        title = f"Review: end of “{spec.title}”"
        self.add(build.review(self.ctx, day, Phase.RETURN_TO_RUN, title, notes,
                              self.level(Phase.RETURN_TO_RUN, day)))  # fmt: skip

    def run(self) -> Schedule:
        from rehabplan.planning.phases import acute, return_to_run, strengthening

        planners = {
            Phase.ACUTE: acute.plan_days,
            Phase.STRENGTHENING: strengthening.plan_days,
            Phase.RETURN_TO_RUN: return_to_run.plan_days,
        }
        week = 0
        while True:
            for phase, days in self._segments(week):
                planners[phase](self, days)
            for day in self.future(self.week_days(week)):
                if day in self.reviews:
                    phase, which = self.reviews[day]
                    self.add(self._review(day, phase, which))
            if self._finished(week):
                if self.ctx.timeline.return_day is not None and not self.state.reviewed:
                    self._final_review(week)
                break
            week += 1
        self.sessions.sort(key=lambda s: s.date)
        peak = max((self.week_run_minutes(w) for w in range(week + 1)), default=0)
        return Schedule(
            sessions=self.sessions,
            weeks=week + 1,
            reached_target=self.state.reached_target,
            handover=self.state.handover,
            peak_minutes=peak,
        )
