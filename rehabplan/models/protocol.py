"""The phase model (``exercises/protocol.yaml``): phases, run/walk stages and per-condition rules.

Everything clinical that is a number or a rule lives in that file so a clinician can read and
change it; the planner only interprets it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from rehabplan.validation import Strict, between
from rehabplan.vocab import (
    PHASE_ORDER,
    Condition,
    Factor,
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


class ContinuousRunning(Strict):
    weekly_increase_max: Annotated[float, between(0.01, 0.3)]
    """Largest week-on-week growth of running volume (0.10 = the 10 % rule)."""
    longest_run_max: Annotated[float, between(1.0, 1.5)]
    """Cap on one run as a multiple of the longest run of the previous 30 days."""
    runs_per_week: WeekRange
    rest_days_per_week: Annotated[int, between(1, 3)]
    easy_pace_min_per_km: Annotated[float, between(3.0, 12.0)]
    max_weeks: Annotated[int, between(1, 52)]
    """Stop scheduling the build-up after this many weeks; the handout explains how to go on."""


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


class PainThresholds(Strict):
    progress_max_during: Annotated[int, between(0, 10)]
    hold_max_during: Annotated[int, between(0, 10)]
    strict_progress_max_during: Annotated[int, between(0, 10)]
    strict_conditions: list[Condition] = []
    strict_weeks: Annotated[int, between(0, 52)]
    repeats_before_step_back: Annotated[int, between(1, 5)]

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


class ConditionSpec(Strict):
    plain: Text
    """The condition in plain words for the handout."""
    acute_weeks: WeekRange
    strengthening_weeks: WeekRange
    cautions: Annotated[TextList, Field(min_length=1)]
    restrictions: list[Restriction] = []
    emphasis: list[Region] = []
    walk_weeks_before_running: Annotated[int, between(0, 8)] = 0
    """Weeks of brisk walking before stage 1 (e.g. knee osteoarthritis)."""
    earliest_running_week: Annotated[int, between(0, 26)] = 0
    """First plan week (1-based) in which running may start, whatever the phase lengths say."""
    extra_review: bool = False
    """Add a clinician review half-way through strengthening (e.g. when the cause is unclear)."""
    criteria_instead: dict[Text, Text] = {}
    """Phase and return-to-run criteria replaced for this condition (a hop test where the
    library rules out hopping, say), old text → new text."""


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
