"""The phase model (``exercises/protocol.yaml``): phases, run/walk stages and per-condition rules.

Everything clinical that is a number or a rule lives in that file so a clinician can read and
change it; the planner only interprets it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from rehabplan.validation import Strict, between
from rehabplan.vocab import (
    PHASE_ORDER,
    Condition,
    Factor,
    LoadKit,
    Phase,
    Region,
    SessionKind,
    Tag,
)

Text = Annotated[str, Field(min_length=1, max_length=800)]
TextList = list[Text]


class WeekRange(Strict):
    min: Annotated[int, between(0, 52)]
    max: Annotated[int, between(0, 52)]

    @model_validator(mode="after")
    def _ordered(self) -> WeekRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class PhaseSpec(Strict):
    title: Text
    weeks: WeekRange
    goals: Annotated[TextList, Field(min_length=1)]
    session_kinds: Annotated[list[SessionKind], Field(min_length=1)]
    entry_criteria: TextList = []
    exit_criteria: Annotated[TextList, Field(min_length=1)]
    strength_sessions_per_week: WeekRange | None = None
    """Range of strength sessions a week (reuses the min/max shape)."""
    cautions: TextList = []
    """Cautions for every patient in this phase (condition cautions are added to them)."""


class RunWalkStage(Strict):
    stage: Annotated[int, between(1, 30)]
    walk_min: Annotated[int, between(0, 30)]
    run_min: Annotated[int, between(1, 120)]
    repeats: Annotated[int, between(1, 20)]


class Resume(Strict):
    """Share of the baseline weekly volume to resume at, by weeks without running."""

    weeks_without_running_below: Annotated[float, between(0, 1000)]
    fraction: Annotated[float, between(0.05, 1.0)]


class ContinuousRunning(Strict):
    weekly_increase_max: Annotated[float, between(0.01, 0.3)]
    """Largest week-on-week growth of running volume beyond the baseline (the 10 % rule)."""
    rebuild_increase_max: Annotated[float, between(0.01, 0.3)] = 0.15
    """Most a week may add while rebuilding towards the pre-injury baseline, as a share of
    that baseline (0.15: a 40 km runner adds up to 6 km a week until back at 40)."""
    resume: list[Resume] = []
    """After 30 minutes of continuous running, resume at this share of the baseline (the
    first row whose limit the time without running is below)."""
    training_goal_above: Annotated[float, between(1.0, 5.0)] = 1.5
    """A goal above this multiple of the baseline is a training goal: plan to the baseline."""
    hold_weeks: Annotated[int, between(1, 8)] = 2
    """Weeks at the target volume before the plan ends."""
    longest_run_max: Annotated[float, between(1.0, 1.5)]
    """Cap on one run as a multiple of the longest run of the previous 30 days."""
    runs_per_week: WeekRange
    rest_days_per_week: Annotated[int, between(1, 3)]
    easy_pace_min_per_km: Annotated[float, between(3.0, 12.0)]


class RunWalkModel(Strict):
    stages: Annotated[list[RunWalkStage], Field(min_length=1)]
    sessions_per_stage: Annotated[int, between(1, 6)]
    """Successful sessions needed before advancing (the plan schedules the expected path)."""
    sessions_per_stage_conservative: Annotated[int, between(1, 6)]
    no_consecutive_days_through_stage: Annotated[int, between(1, 30)]
    """Run/walk sessions are never on consecutive days up to and including this stage."""
    warm_up_min: Annotated[int, between(0, 30)]
    cool_down_min: Annotated[int, between(0, 30)]
    entry_criteria: Annotated[TextList, Field(min_length=1)]
    continuous: ContinuousRunning

    @model_validator(mode="after")
    def _numbered(self) -> RunWalkModel:
        numbers = [s.stage for s in self.stages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"stages must be numbered 1, 2, 3… in order, got {numbers}")
        return self


class PainTierText(Strict):
    colour: Literal["green", "amber", "red"]
    label: Text
    when: Text
    action: Text


class PainThresholds(Strict):
    progress_max_during: Annotated[int, between(0, 10)]
    hold_max_during: Annotated[int, between(0, 10)]
    strict_progress_max_during: Annotated[int, between(0, 10)]
    strict_conditions: list[Condition] = []
    strict_weeks: Annotated[int, between(0, 52)]
    repeats_before_step_back: Annotated[int, between(1, 5)]
    tiers: list[PainTierText] = []
    """The one pain rule in words; ``{progress}``, ``{amber_from}``, ``{hold}`` are filled in."""
    stricter: Text | None = None
    """The condition's stricter limit, stated once; ``{strict}`` and ``{weeks}`` filled in."""
    session_note: Text | None = None
    """The one line a session carries about pain: it points to the rule, never restates it."""

    @model_validator(mode="after")
    def _ordered(self) -> PainThresholds:
        # progress ≤ hold, and the strict limit for sprains no looser than the usual one:
        # otherwise the decision table has gaps or overlaps.
        if self.hold_max_during < self.progress_max_during:
            raise ValueError(
                f"hold_max_during ({self.hold_max_during}) must be at least "
                f"progress_max_during ({self.progress_max_during})"
            )
        if self.strict_progress_max_during > self.progress_max_during:
            raise ValueError(
                f"strict_progress_max_during ({self.strict_progress_max_during}) must not "
                f"exceed progress_max_during ({self.progress_max_during})"
            )
        return self


class Restriction(Strict):
    """Exercises carrying any of ``tags`` are left out in ``phases`` for this condition."""

    tags: Annotated[list[Tag], Field(min_length=1)]
    phases: Annotated[list[Phase], Field(min_length=1)]
    reason: Text


class DayWindow(Strict):
    earliest: Annotated[int, between(0, 365)]
    latest: Annotated[int, between(0, 365)]
    mild_latest: Annotated[int, between(0, 365)] | None = None
    mild_target: Annotated[int, between(0, 365)] | None = None
    """The day a mild presentation aims for (strength work goes on beside the runs)."""

    @model_validator(mode="after")
    def _ordered(self) -> DayWindow:
        if self.earliest > self.latest:
            raise ValueError(f"earliest ({self.earliest}) must not exceed latest ({self.latest})")
        if self.mild_latest is not None and not self.earliest <= self.mild_latest:
            raise ValueError("mild_latest must not be before earliest")
        return self


class ConditionSpec(Strict):
    plain: Text
    """The condition in plain words for the handout."""
    acute_weeks: WeekRange
    strengthening_weeks: WeekRange
    cautions: Annotated[TextList, Field(min_length=1)]
    restrictions: list[Restriction] = []
    emphasis: list[Region] = []
    walking_first: bool = False
    """Brisk walks are the cardio of strengthening, built up before any running (knee
    osteoarthritis)."""
    extra_review: bool = False
    """Add a clinician review half-way through strengthening (e.g. when the cause is unclear)."""
    criteria_instead: dict[Text, Text] = {}
    """Phase and return-to-run criteria replaced for this condition (a hop test where the
    library rules out hopping, say), old text → new text."""
    first_run: DayWindow
    """Days from the start in which the first run/walk falls (CLINICAL-REFERENCE §7)."""
    entry_stage: Annotated[int, between(1, 30)] = 1
    """Run/walk stage the return to running starts at."""
    mild_entry_stage: Annotated[int, between(1, 30)] = 1
    """Run/walk stage a mild presentation starts at (later than ``entry_stage``)."""
    plan_weeks_max: Annotated[int, between(4, 52)] = 18
    plan_weeks_max_mild: Annotated[int, between(4, 52)] | None = None
    """Longest plan when the goal is not above the baseline (mild presentations)."""


class FactorSpec(Strict):
    emphasis: list[Region] = []
    conservative: bool = False
    extra_review: bool = False
    advice: list[Annotated[str, Field(pattern=r"^[a-z_]+$")]] = []
    """Keys into ``advice`` of the protocol (shown on the handout)."""


class AdviceSpec(Strict):
    title: Text
    text: Text


class ConservativeRules(Strict):
    age_at_least: Annotated[int, between(18, 100)]
    running_pain_at_least: Annotated[int, between(0, 10)]
    conditions: list[Condition] = []


class MildRules(Strict):
    running_pain_at_most: Annotated[int, between(0, 10)]
    daily_pain_at_most: Annotated[int, between(0, 10)]
    rest_pain_at_most: Annotated[int, between(0, 10)]


class SessionLimit(Strict):
    typical: tuple[int, int]
    max: Annotated[int, between(1, 240)]


class SessionMinutes(Strict):
    """Session lengths a physiotherapist would sign (CLINICAL-REFERENCE §7)."""

    acute_programme: SessionLimit
    strength: SessionLimit
    mobility: SessionLimit
    cross_training: SessionLimit
    daily_routine: SessionLimit
    run_extra_max: Annotated[int, between(0, 60)]
    """A run day is never longer than its run/walk plus this."""
    strength_after_run_max: Annotated[int, between(0, 60)]
    """Maintenance strength after an easy run, where no other day is free."""
    warm_up: Annotated[int, between(0, 15)]


class Loading(Strict):
    """How strength progresses by load (CLINICAL-REFERENCE §7: load or variant, not more sets)."""

    prefer: list[LoadKit]
    reps: Annotated[list[Annotated[int, between(1, 30)]], Field(min_length=1)]
    """Repetitions at one load step, week by week (double progression)."""
    ladders: dict[LoadKit, Annotated[TextList, Field(min_length=1)]]
    effort: Text
    """How hard the last repetitions should feel (RPE, repetitions in reserve)."""
    acute_effort: Text


class Populations(Strict):
    older_from_age: Annotated[int, between(40, 100)]
    """From this age (and with knee osteoarthritis): no hopping, balance with support first."""
    young_below_age: Annotated[int, between(12, 25)]
    irritable_from: Annotated[int, between(1, 10)]
    """Rest or daily pain from which a knee is highly irritable: no dated running."""
    settled_checkins: Annotated[int, between(1, 20)]
    """Check-ins in a row with settled pain that open the return to running."""
    settled_max: Annotated[int, between(0, 10)]
    """Highest pain during and next morning that counts as settled."""
    irritable_tiers: list[PainTierText] = []
    """The pain rule of an irritable knee, from its usual resting pain (``{usual}``)."""
    no_hop_criteria_instead: dict[Text, Text] = {}
    """Criteria replaced where hopping is ruled out (arthritis, 65 and over)."""


class NoticeText(Strict):
    level: Literal["important", "caution", "info"]
    title: Text
    text: Text


class Protocol(Strict):
    schema_version: int
    phases: dict[Phase, PhaseSpec]
    run_walk: RunWalkModel
    pain: PainThresholds
    conservative_when: ConservativeRules
    mild_when: MildRules
    conditions: dict[Condition, ConditionSpec]
    factors: dict[Factor, FactorSpec] = {}
    advice: dict[Annotated[str, Field(pattern=r"^[a-z_]+$")], AdviceSpec] = {}
    education: list[Annotated[str, Field(pattern=r"^[a-z_]+$")]] = []
    """Advice keys shown on every handout (home care, shoes, warm-up…), in order."""
    session_minutes: SessionMinutes
    loading: Loading
    populations: Populations
    notices: dict[Annotated[str, Field(pattern=r"^[a-z_]+$")], NoticeText] = {}

    @model_validator(mode="after")
    def _complete(self) -> Protocol:
        missing_phases = [p.value for p in PHASE_ORDER if p not in self.phases]
        if missing_phases:
            raise ValueError(f"phases is missing {', '.join(missing_phases)}")
        missing = [c.value for c in Condition if c not in self.conditions]
        if missing:
            raise ValueError(f"conditions is missing {', '.join(missing)}")
        used = {key for spec in self.factors.values() for key in spec.advice}
        unknown = sorted((used | set(self.education)) - set(self.advice))
        if unknown:
            raise ValueError(
                f"factors/education refer to advice not defined under advice: {unknown}"
            )
        criteria = set(self.run_walk.entry_criteria)
        for spec in self.phases.values():
            criteria |= set(spec.entry_criteria) | set(spec.exit_criteria)
        for condition, cspec in self.conditions.items():
            stray = sorted(set(cspec.criteria_instead) - criteria)
            if stray:  # a typo would silently keep the criterion it meant to replace
                raise ValueError(
                    f"conditions.{condition.value}.criteria_instead replaces criteria that "
                    f"no phase has: {stray}"
                )
        return self
