"""What the planner derives once from a profile: conservative or mild, phase lengths, days.

Keeping these decisions in one place means the scheduler, the tests and the summary printed
by the CLI agree on why a plan is long or short.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

from rehabplan.library import Library
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import ConditionSpec, Protocol, Restriction, WeekRange
from rehabplan.vocab import Equipment, Region


@dataclass(frozen=True)
class PhaseLengths:
    acute_weeks: int
    strengthening_weeks: int
    walk_weeks: int
    """Weeks of brisk walking at the start of return to run, before run/walk stage 1."""


@dataclass
class Context:
    """A profile read together with the library and protocol it is planned against."""

    profile: Profile
    library: Library
    protocol: Protocol
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def start(self) -> dt.date:
        if self.profile.start_date is None:
            raise ValueError("the profile needs a start_date before planning")
        return self.profile.start_date

    @cached_property
    def condition(self) -> ConditionSpec:
        return self.protocol.conditions[self.profile.condition]

    @cached_property
    def have(self) -> frozenset[Equipment]:
        return self.profile.has()

    @property
    def restrictions(self) -> list[Restriction]:
        return self.condition.restrictions

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
        if self.conservative:
            return weeks.max
        if self.mild:
            return weeks.min
        return math.ceil((weeks.min + weeks.max) / 2)

    @cached_property
    def lengths(self) -> PhaseLengths:
        acute = self.pick(self.condition.acute_weeks)
        strengthening = self.pick(self.condition.strengthening_weeks)
        walk = self.condition.walk_weeks_before_running
        first_running_week = acute + strengthening + walk + 1
        if first_running_week < self.condition.earliest_running_week:
            walk += self.condition.earliest_running_week - first_running_week
        return PhaseLengths(acute, strengthening, walk)

    @cached_property
    def training_weekdays(self) -> frozenset[int]:
        """Weekdays (Monday = 0) that may hold a session; one is always left free for rest."""
        days = {d.index for d in self.profile.availability.days}
        if len(days) == 7:
            # The last day of every plan week stays free, so each week has a full rest day.
            days.discard((self.start + dt.timedelta(days=6)).weekday())
        return frozenset(days)

    def start_time_on(self, day: dt.date) -> str:
        """The local time sessions on ``day`` really start.

        The runner's usual time, except on the night the clocks go forward when that time
        does not exist: 02:30 is then 03:30, which is what every calendar shows for it
        (RFC 5545 §3.3.5), so plan.json, handout and calendar agree.
        """
        zone = self.profile.zone
        local = dt.datetime.combine(day, self.profile.availability.time, tzinfo=zone)
        return local.astimezone(dt.UTC).astimezone(zone).strftime("%H:%M")

    def criteria(self, items: list[str]) -> list[str]:
        """``items`` with this condition's replacements (``criteria_instead``) applied."""
        instead = self.condition.criteria_instead
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

    def goal_minutes(self) -> int:
        """The weekly running goal as minutes at the protocol's easy pace."""
        pace = self.protocol.run_walk.continuous.easy_pace_min_per_km
        return math.floor(self.profile.weekly_km(self.profile.goal_weekly_km) * pace)
