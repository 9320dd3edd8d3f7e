"""One exercise of the library, as a clinician writes it in ``exercises/<id>.yaml``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, model_validator

from rehabplan.validation import Strict, between
from rehabplan.vocab import (
    Condition,
    Equipment,
    ExerciseType,
    Laterality,
    LoadKit,
    Phase,
    Region,
    Tag,
)

PAIN_NUMBER = re.compile(r"\b\d+\s*(/|out of)\s*10\b")
"""A pain threshold written into a card: the one pain rule of the protocol states those."""

ExerciseId = Annotated[str, Field(pattern=r"^[a-z0-9_]{2,64}$")]
Text = Annotated[str, Field(min_length=1, max_length=600)]


class Dose(Strict):
    """How much of an exercise, in one phase. At least one of reps, hold or duration."""

    sets: Annotated[int, between(1, 10)]
    reps: Annotated[int, between(1, 100)] | None = None
    hold_s: Annotated[int, between(1, 600)] | None = None
    duration_min: Annotated[int, between(1, 120)] | None = None
    rest_s: Annotated[int, between(0, 600)] | None = None
    per_week: Annotated[int, between(1, 14)]
    load: Annotated[str, Field(max_length=80)] | None = None

    @model_validator(mode="after")
    def _something_to_do(self) -> Dose:
        if self.reps is None and self.hold_s is None and self.duration_min is None:
            raise ValueError("needs at least one of reps, hold_s or duration_min")
        return self

    def describe(self) -> str:
        """Plain dose text, e.g. ``3 × 12``, ``5 × 30 s hold``, ``20 min``."""
        parts: list[str] = []
        if self.duration_min and not self.reps:
            core = f"{self.duration_min} min"
            return core if self.sets == 1 else f"{self.sets} × {core}"
        if self.reps and self.hold_s:
            parts.append(f"{self.sets} × {self.reps} (hold {self.hold_s} s)")
        elif self.reps:
            parts.append(f"{self.sets} × {self.reps}")
        elif self.hold_s:
            parts.append(f"{self.sets} × {self.hold_s} s hold")
        if self.load:
            parts.append(self.load)
        return ", ".join(parts)


class Contraindication(Strict):
    condition: Condition
    reason: Text


class Exercise(Strict):
    id: ExerciseId
    name: Annotated[str, Field(min_length=2, max_length=80)]
    summary: Text
    regions: Annotated[list[Region], Field(min_length=1)]
    type: ExerciseType
    laterality: Laterality
    phases: Annotated[list[Phase], Field(min_length=1)]
    dose: dict[Phase, Dose]
    equipment: list[Equipment] = []
    tags: list[Tag] = []
    instructions: Annotated[list[Text], Field(min_length=2, max_length=10)]
    cues: list[Text] = []
    mistakes: list[Text] = []
    pain_rule: Text
    """What to watch for in this exercise; the thresholds are the protocol's one pain rule."""
    loading: dict[LoadKit, Annotated[str, Field(min_length=3, max_length=120)]] = {}
    """How each kit makes this exercise heavier ("hold a dumbbell in each hand"): strength
    progresses by load with what the patient has, then by a harder variant."""
    contraindications: list[Contraindication] = []
    progression: ExerciseId | None = None
    regression: ExerciseId | None = None
    illustration: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+\.svg$")]

    @model_validator(mode="after")
    def _doses_match_phases(self) -> Exercise:
        missing = [p.value for p in self.phases if p not in self.dose]
        extra = [p.value for p in self.dose if p not in self.phases]
        if missing:
            raise ValueError(f"dose is missing for phase(s) {', '.join(missing)} listed in phases")
        if extra:
            raise ValueError(f"dose given for phase(s) {', '.join(extra)} not listed in phases")
        if self.type is ExerciseType.PLYOMETRIC and Phase.ACUTE in self.phases:
            raise ValueError("a plyometric exercise cannot be used in the acute phase")
        if Tag.IMPACT in self.tags and Phase.ACUTE in self.phases:
            raise ValueError("an impact exercise cannot be used in the acute phase")
        if self.progression is not None and self.progression == self.id:
            raise ValueError("progression cannot point to the exercise itself")
        if self.regression is not None and self.regression == self.id:
            raise ValueError("regression cannot point to the exercise itself")
        if PAIN_NUMBER.search(self.pain_rule):
            raise ValueError(
                "pain_rule must not give its own pain numbers (the protocol's pain rule states "
                "them once); say what to watch for in this exercise"
            )
        return self

    def contraindicated_for(self, condition: Condition) -> Contraindication | None:
        return next((c for c in self.contraindications if c.condition == condition), None)
