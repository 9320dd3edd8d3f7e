"""A clinician's tailoring of one runner's plan: data the pure planner applies.

Written in the profile's ``adjustments:`` block (CLI and batch) or stored per patient by
the server, so every re-plan and check-in keeps them. Each change is checked against the
same rules the planner follows (contraindications, restrictions, equipment, the first-run
window); an unsafe one is refused with the reason, or accepted only with ``override``: the
clinician's note, which the handout prints.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from rehabplan.validation import Strict, between, plain_text
from rehabplan.vocab import Phase

ExerciseId = Annotated[str, Field(pattern=r"^[a-z0-9_]{2,64}$")]
Note = Annotated[str, Field(min_length=3, max_length=300), plain_text(multiline=False)]


class ExerciseChange(Strict):
    """One change to one exercise, in some phases (all phases when ``phases`` is empty)."""

    exercise: ExerciseId
    action: Literal["remove", "swap", "dose", "note"]
    to: ExerciseId | None = None
    """The exercise given instead (``swap``)."""
    phases: list[Phase] = []
    sets: Annotated[int, between(1, 6)] | None = None
    reps: Annotated[int, between(1, 30)] | None = None
    hold_s: Annotated[int, between(1, 120)] | None = None
    load: Annotated[str, Field(max_length=80), plain_text(multiline=False)] | None = None
    side: Literal["left", "right", "both"] | None = None
    per_week: Annotated[int, between(1, 7)] | None = None
    """How many days a week it is done (strength sessions, routine: every day)."""
    note: Note | None = None
    """A note for the patient, printed with the exercise."""
    override: Note | None = None
    """The clinician's reason for accepting a change the rules would refuse (printed)."""

    @model_validator(mode="after")
    def _complete(self) -> ExerciseChange:
        if self.action == "swap" and not self.to:
            raise ValueError("a swap needs `to`: the exercise given instead")
        if self.action != "swap" and self.to:
            raise ValueError("`to` belongs to a swap")
        dose = (self.sets, self.reps, self.hold_s, self.load, self.side, self.per_week)
        if self.action == "dose" and all(v is None for v in dose):
            raise ValueError("a dose change needs sets, reps, hold_s, load, side or per_week")
        if self.action == "note" and not self.note:
            raise ValueError("a note change needs `note`")
        return self

    def applies(self, phase: Phase) -> bool:
        return not self.phases or phase in self.phases


class Adjustments(Strict):
    exercises: Annotated[list[ExerciseChange], Field(max_length=60)] = []
    note: Note | None = None
    """A note for the whole plan, printed on the handout."""
    first_run: dt.date | None = None
    """Move the first run/walk to this date, inside the condition's safe window."""
    first_run_override: Note | None = None
    """The clinician's reason for a first run outside the window (printed)."""

    def for_exercise(self, exercise_id: str, phase: Phase) -> list[ExerciseChange]:
        return [c for c in self.exercises if c.exercise == exercise_id and c.applies(phase)]
