"""What the planner derives once from a profile: who the runner is, how careful to be, when.

Keeping these decisions in one place means the scheduler, the tests and the summary printed
by the CLI agree on why a plan is long or short, why it has no hops, or why running waits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

from rehabplan.library import Library
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import ConditionSpec, Protocol, Restriction, WeekRange
from rehabplan.vocab import Condition, Equipment, Factor, Phase, Region, Tag

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Timeline:
    """The days (from the start, day 0) on which each part of the plan begins."""

    acute_days: int
    """The acute phase is days 0 .. acute_days - 1 (whole weeks)."""
    return_day: int | None
    """First day of the return-to-running phase, the day of its first run/walk; None when
    running waits for a review (an irritable knee)."""
    strengthening_weeks: int
    """Length of strengthening as whole weeks, for planning its doses and the last review."""


@dataclass
class Context:
    """A profile read together with the library and protocol it is planned against."""

    profile: Profile
    library: Library
    protocol: Protocol
    running_cleared: bool = False
    """Check-ins showed an irritable knee has settled: the return to running may be dated."""
    not_before: int = 0
    """Earliest day (from the start) the return to running may begin: a re-plan never
    dates it in the past."""
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def start(self) -> dt.date:
        if self.profile.start_date is None:
            raise ValueError("the profile needs a start_date before planning")
        return self.profile.start_date

    def day(self, offset: int) -> dt.date:
        return self.start + offset * DAY

    @cached_property
    def condition(self) -> ConditionSpec:
        return self.protocol.conditions[self.profile.condition]

    @cached_property
    def have(self) -> frozenset[Equipment]:
        return self.profile.has()

    # -- who the runner is ---------------------------------------------------------------

    @cached_property
    def arthritic(self) -> bool:
        p = self.profile
        return p.condition is Condition.MEDIAL_KNEE_OSTEOARTHRITIS or Factor.ARTHRITIS in p.factors

    @cached_property
    def older(self) -> bool:
        """Knee osteoarthritis or 65 and over: no hopping, balance with support first."""
        return self.arthritic or self.profile.age >= self.protocol.populations.older_from_age

    @cached_property
    def young(self) -> bool:
        return self.profile.age < self.protocol.populations.young_below_age

    @cached_property
    def irritable(self) -> bool:
        """Rest or daily pain high enough that running is set at a review, not dated now
        (unless check-ins showed it settled or the clinician dated the first run)."""
        pain = self.profile.pain
        limit = self.protocol.populations.irritable_from
        dated = self.profile.adjustments is not None and self.profile.adjustments.first_run
        return max(pain.rest, pain.daily) >= limit and not self.running_cleared and not dated

    @cached_property
    def restrictions(self) -> list[Restriction]:
        rules = list(self.condition.restrictions)
        if self.older:
            rules.append(
                Restriction(
                    tags=[Tag.IMPACT, Tag.SINGLE_LEG_LANDING],
                    phases=list(Phase),
                    reason=(
                        "No hopping or jumping with knee arthritis or from 65: brisk walking, "
                        "step-ups, sit-to-stand and cycling train the same muscles."
                    ),
                )
            )
        return rules

    @cached_property
    def hops_allowed(self) -> bool:
        """Hopping is trained unless ruled out (arthritis, 65 and over) or the knee is too
        irritable for it before its review."""
        return not self.older and not self.irritable

    @cached_property
    def conservative(self) -> bool:
        """Careful end of the ranges: older runner, high running pain, risky condition/factor."""
        rules = self.protocol.conservative_when
        p = self.profile
        return (
            p.age >= rules.age_at_least
            or p.pain.running >= rules.running_pain_at_least
            or p.condition in rules.conditions
            or any(self.protocol.factors.get(f) and self.protocol.factors[f].conservative
                   for f in p.factors)
        )  # fmt: skip

    @cached_property
    def mild(self) -> bool:
        """Short end of the ranges: low pain everywhere and no conservative signal."""
        rules = self.protocol.mild_when
        pain = self.profile.pain
        return not self.conservative and (
            pain.running <= rules.running_pain_at_most
            and pain.daily <= rules.daily_pain_at_most
            and pain.rest <= rules.rest_pain_at_most
        )

    def pick(self, weeks: WeekRange) -> int:
        """Conservative: the long end; mild: the short end; otherwise the middle, rounded down
        (a physiotherapist reviews and extends rather than plans long by default)."""
        if self.conservative or self.irritable:
            return weeks.max
        if self.mild:
            return weeks.min
        return (weeks.min + weeks.max) // 2

    # -- when ----------------------------------------------------------------------------

    @cached_property
    def training_weekdays(self) -> frozenset[int]:
        """Weekdays (Monday = 0) that may hold training; one is always left free for rest."""
        days = {d.index for d in self.profile.availability.days}
        if len(days) == 7:
            # The last day of every plan week stays free, so each week has a full rest day.
            days.discard((self.start + 6 * DAY).weekday())
        return frozenset(days)

    def is_training_day(self, day: dt.date) -> bool:
        return day.weekday() in self.training_weekdays

    @cached_property
    def acute_days(self) -> int:
        return 7 * self.pick(self.condition.acute_weeks)

    def timeline_base(self) -> Timeline:
        """The acute phase alone (what a clinician's first-run date is checked against)."""
        return Timeline(self.acute_days, None, 0)

    @cached_property
    def timeline(self) -> Timeline:
        acute_days = self.acute_days
        strengthening = self.pick(self.condition.strengthening_weeks)
        adjustments = self.profile.adjustments
        if adjustments is not None and adjustments.first_run is not None:
            # The clinician dated the first run (checked against the window beforehand);
            # that also dates running for a knee that was irritable at the assessment.
            first = max((adjustments.first_run - self.start).days, self.not_before, acute_days)
            return Timeline(acute_days, first, math.ceil((first - acute_days) / 7))
        if self.irritable:
            return Timeline(acute_days, None, strengthening)
        window = self.condition.first_run
        latest = window.latest
        if self.mild and window.mild_latest is not None:
            latest = window.mild_latest
        planned = acute_days + 7 * strengthening
        if self.mild and window.mild_target is not None:
            planned = min(planned, window.mild_target)
        earliest = max(window.earliest, acute_days + 1, self.not_before)
        target = min(max(planned, earliest), max(latest, earliest))
        first_run = self._training_day_near(target, earliest, max(latest, earliest))
        return Timeline(acute_days, first_run, math.ceil((first_run - acute_days) / 7))

    def _training_day_near(self, target: int, earliest: int, latest: int) -> int:
        """The first training day from ``target`` inside the window, else the last one before
        it; a runner training one day a week still starts inside the condition's window."""
        for offset in range(target, latest + 1):
            if self.is_training_day(self.day(offset)):
                return offset
        for offset in range(target - 1, earliest - 1, -1):
            if self.is_training_day(self.day(offset)):
                return offset
        return target

    def phase_on(self, day: dt.date) -> Phase:
        offset = (day - self.start).days
        line = self.timeline
        if offset < line.acute_days:
            return Phase.ACUTE
        if line.return_day is None or offset < line.return_day:
            return Phase.STRENGTHENING
        return Phase.RETURN_TO_RUN

    def start_time_on(self, day: dt.date) -> str:
        """The local time sessions on ``day`` really start.

        The runner's usual time, except on the night the clocks go forward when that time
        does not exist: 02:30 is then 03:30, which is what every calendar shows for it
        (RFC 5545 §3.3.5), so plan.json, handout and calendar agree.
        """
        zone = self.profile.zone
        local = dt.datetime.combine(day, self.profile.availability.time, tzinfo=zone)
        return local.astimezone(dt.UTC).astimezone(zone).strftime("%H:%M")

    # -- what ----------------------------------------------------------------------------

    @cached_property
    def hop_test(self) -> bool:
        """A hop test only where hopping is trained first: two weeks of strengthening with at
        least two strength days a week (CLINICAL-REFERENCE §7)."""
        line = self.timeline
        days = (line.return_day or line.acute_days + 7 * line.strengthening_weeks) - (
            line.acute_days
        )
        return self.hops_allowed and days >= 14 and len(self.training_weekdays) >= 2

    def criteria(self, items: list[str]) -> list[str]:
        """``items`` with this runner's replacements applied: the condition's, and a hop test
        swapped for a low-impact one where hopping is ruled out or not trained first."""
        instead = dict(self.condition.criteria_instead)
        if not self.hop_test:
            instead = {**self.protocol.populations.no_hop_criteria_instead, **instead}
        return list(dict.fromkeys(instead.get(item, item) for item in items))

    @cached_property
    def emphasis(self) -> list[Region]:
        """Regions that get an extra exercise: the factors' first, then the condition's."""
        regions: list[Region] = []
        for factor in self.profile.factors:
            spec = self.protocol.factors.get(factor)
            if spec:
                regions += spec.emphasis
        regions += self.condition.emphasis
        return list(dict.fromkeys(regions))

    @cached_property
    def extra_review(self) -> bool:
        return self.condition.extra_review or any(
            self.protocol.factors.get(f) and self.protocol.factors[f].extra_review
            for f in self.profile.factors
        )

    def strict_pain(self, day: dt.date) -> bool:
        """Stricter pain limit (ligament sprains in their first weeks)."""
        pain = self.protocol.pain
        return (
            self.profile.condition in pain.strict_conditions
            and (day - self.start).days < 7 * pain.strict_weeks
        )

    def progress_limit(self, day: dt.date) -> int:
        pain = self.protocol.pain
        return (
            pain.strict_progress_max_during if self.strict_pain(day) else pain.progress_max_during
        )

    # -- how far -------------------------------------------------------------------------

    def minutes_for_km(self, km: float) -> int:
        return math.floor(km * self.protocol.run_walk.continuous.easy_pace_min_per_km)

    @cached_property
    def baseline_minutes(self) -> int:
        return self.minutes_for_km(self.profile.weekly_km(self.profile.baseline_weekly_km))

    @cached_property
    def goal_minutes(self) -> int:
        return self.minutes_for_km(self.profile.weekly_km(self.profile.goal_weekly_km))

    @cached_property
    def training_goal(self) -> bool:
        """A goal well above the baseline is training, not rehabilitation."""
        rw = self.protocol.run_walk
        cont = rw.continuous
        top = rw.stages[-1]
        table = cont.runs_per_week.min * top.run_min * top.repeats
        # A goal the run/walk table reaches anyway is no training goal, whatever the baseline.
        return (
            bool(self.baseline_minutes)
            and self.goal_minutes > cont.training_goal_above * self.baseline_minutes
            and self.goal_minutes > table
        )

    @cached_property
    def target_minutes(self) -> int:
        """The weekly running the plan builds to: the goal, or the baseline for a training goal."""
        return self.baseline_minutes if self.training_goal else self.goal_minutes

    @cached_property
    def plan_weeks_max(self) -> int:
        """Longest plan (CLINICAL-REFERENCE §7); a goal above the baseline may take longer."""
        cond = self.condition
        weeks = cond.plan_weeks_max
        if self.mild and cond.plan_weeks_max_mild is not None:
            weeks = cond.plan_weeks_max_mild
        if self.target_minutes > self.baseline_minutes:
            weeks += 4
        return weeks

    def resume_fraction(self) -> float:
        """Share of the baseline running resumes at, from the weeks without running."""
        cont = self.protocol.run_walk.continuous
        line = self.timeline
        away = self.profile.weeks_without_running + (line.return_day or 0) / 7
        for row in cont.resume:
            if away < row.weeks_without_running_below:
                return row.fraction
        return cont.resume[-1].fraction if cont.resume else 0.0

    @cached_property
    def entry_stage(self) -> int:
        cond = self.condition
        return max(cond.mild_entry_stage, cond.entry_stage) if self.mild else cond.entry_stage
