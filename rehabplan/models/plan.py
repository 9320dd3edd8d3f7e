"""The plan: what the planner returns and every exporter formats (``plan.json``, schema 1).

Field names follow the contract in DESIGN.md; additions are allowed, renames are not.
Times are local to ``timezone`` (a calendar exporter converts), dates are ISO strings in JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rehabplan.vocab import Condition, Factor, Phase, SessionKind, Side, Units

SCHEMA_VERSION = 1


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatientInfo(_Out):
    """What the handout needs to know about the patient (name is for the handout only)."""

    name: str | None
    age: int
    side: Side
    condition: Condition
    condition_plain: str
    factors: list[Factor]
    units: Units
    language: str
    cleared_by_clinician: bool = False
    clinician_note: str | None = None
    goal_weekly_distance: float | None = None
    """The runner's weekly goal in their units, so the handout can say how far the plan
    takes them (None in plans written before this field existed)."""


class PhaseBlock(_Out):
    key: Phase
    title: str
    start: dt.date
    end: dt.date
    """Last day of the phase (inclusive)."""
    weeks: int
    goals: list[str]
    entry_criteria: list[str] = []
    exit_criteria: list[str]
    cautions: list[str] = []
    home_care: list[PlannedExercise] = []
    """Ice, compression, elevation: done through the day, never counted as session time."""
    uid: str = ""
    """UID of the calendar's "new phase" marker ("" in plans written before it was kept)."""
    sequence: int = 0
    """SEQUENCE of that marker: raised each time a re-plan changes this phase."""


class PlannedExercise(_Out):
    exercise_id: str
    name: str
    sets: int
    reps: int | None
    hold_s: int | None
    duration_min: int | None = None
    rest_s: int | None = None
    load: str | None = None
    side: Literal["left", "right", "both"]
    notes: str | None = None
    effort: str | None = None
    """How hard the last repetitions should feel (RPE / repetitions in reserve)."""
    part: Literal["warm_up", "main", "strength", "drills", "cool_down", "routine"] = "main"
    """Which part of the session the item belongs to, so a combined day (a run followed by
    short strength work) prints as its parts."""


class RunWalk(_Out):
    stage: int
    run_min: int
    walk_min: int
    repeats: int
    run_km: float = 0.0
    """Expected distance of the running part at an easy pace, for the weekly load."""


class Session(_Out):
    uid: str
    date: dt.date
    start_time: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    duration_min: int
    phase: Phase
    kind: SessionKind
    title: str
    exercises: list[PlannedExercise] = []
    run_walk: RunWalk | None = None
    notes: list[str] = []
    sequence: int = 0
    """Raised each time a re-plan changes this session (iCalendar SEQUENCE)."""
    label: str | None = None
    """The session type as printed ("Strength A", "Daily knee routine", "Run/walk stage 3 +
    Strength B"): days with the same label in a phase hold the same exercises."""
    calendar_title: str | None = None
    """The event title when the neutral title of its kind would hide what it is (the
    "programme paused" event); None for every planned session."""


class WeeklyLoad(_Out):
    week_start: dt.date
    run_minutes: int
    run_km: float
    run_distance: float
    """``run_km`` in the patient's units (km or mi), for display."""
    sessions: int = 0


class Stage(_Out):
    stage: int
    walk_min: int
    run_min: int
    repeats: int
    continuous: bool
    dates: list[dt.date]


class Advice(_Out):
    topic: str
    title: str
    text: str


class StrictPain(_Out):
    max_during: int
    """Highest acceptable pain during exercise (0-10) until ``until``."""
    until: dt.date
    """Last day of the stricter limit."""


class Notice(_Out):
    """Something the clinician and the patient must read before following the plan."""

    key: str
    level: Literal["important", "caution", "info"]
    title: str
    text: str


class PainTier(_Out):
    colour: Literal["green", "amber", "red"]
    label: str
    when: str
    action: str


class PainRule(_Out):
    """The one pain rule every text of the plan refers to (CLINICAL-REFERENCE §2, §7)."""

    progress_max_during: int
    hold_max_during: int
    tiers: list[PainTier]
    stricter: str | None = None
    """The condition's stricter limit, stated once (ligament sprains in their first weeks)."""


class Running(_Out):
    """Where the return to running stands and how far the plan takes it."""

    status: Literal["dated", "awaiting_review"]
    reason: str | None = None
    """Why running is not dated yet (an irritable knee), or None."""
    first_run: dt.date | None = None
    entry_stage: int = 1
    """The run/walk stage the plan starts at (mild presentations start later)."""
    resume_fraction: float | None = None
    """Share of the baseline weekly volume continuous running resumes at."""
    baseline_weekly_distance: float = 0
    goal_weekly_distance: float = 0
    target_weekly_distance: float = 0
    """What the plan builds to: the goal, or the baseline when the goal is a training goal."""
    peak_weekly_distance: float = 0
    """The most the plan reaches in one week (patient's units)."""
    reached_target: bool = False
    handover: str | None = None
    """What happens after the last review when the plan stops short of the goal."""


class CancelledEvent(_Out):
    """An event an earlier version of this plan published and this version withdraws.

    Importing a calendar file never deletes events, so a file that drops sessions must
    carry them, cancelled, with a higher SEQUENCE; clients then hide or strike them out.
    """

    uid: str
    sequence: int
    """One above the last SEQUENCE the event was published with."""
    date: dt.date
    start_time: str | None = None
    """Local HH:MM of a timed session; None for an all-day event (review, phase start)."""
    duration_min: int = 0
    kind: SessionKind | None = None
    """Kind of the withdrawn session; None for a "new phase" marker."""


class ExportSettings(_Out):
    """How this plan's handout and calendar were made, so ``rehabplan checkin`` and later
    re-plans write them the same way unless told otherwise."""

    paper: Literal["a4", "letter"] = "a4"
    pdf_variant: str | None = None
    clinic_file: str | None = None
    """Absolute path of the clinic YAML the handout cover was made from."""
    ics_include_details: bool = False
    ics_alarm_minutes: int | None = 30
    """Reminder lead time; None when reminders are off."""


class Plan(_Out):
    schema_version: Literal[1] = SCHEMA_VERSION
    plan_id: str
    patient_id: str
    start_date: dt.date
    end_date: dt.date
    timezone: str
    patient: PatientInfo
    phases: list[PhaseBlock]
    sessions: list[Session]
    weekly_load: list[WeeklyLoad]
    run_walk_stages: list[Stage] = []
    return_to_run_criteria: list[str] = []
    advice: list[Advice] = []
    strict_pain: StrictPain | None = None
    """A lower pain limit for the first weeks (ligament sprains), for the handout to state
    wherever it gives the usual one."""
    notices: list[Notice] = []
    pain_rule: PainRule | None = None
    running: Running | None = None
    episode_key: str | None = None
    """The secret of this plan episode (random, made when the episode began, kept by every
    re-plan): the plan id and every calendar UID are derived from it, so they are unique
    per episode and cannot be worked out from the patient id. None in plans made without
    one (older plans, library callers that pass none)."""
    cancelled: list[CancelledEvent] = []
    """Events earlier versions of this episode published that this one withdraws."""
    export: ExportSettings | None = None
    """The settings the outputs were written with (recorded by the pipeline, not the
    planner); None when the plan was not written by ``rehabplan plan``/``batch``."""

    def to_json(self) -> str:
        """Canonical JSON: stable key order and formatting so equal plans are equal bytes."""
        return self.model_dump_json(indent=2) + "\n"


class Referral(_Out):
    """Written instead of a plan when red flags are present."""

    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["referral"] = "referral"
    patient_id: str
    patient_name: str | None
    date: dt.date | None
    findings: list[dict[str, str]]
    """One entry per red flag: ``{"flag", "finding", "why"}``."""
    see: str
    urgency: str
    urgency_level: Literal["emergency", "within_24_hours", "within_a_week"]
    advice_meanwhile: list[str]
    at_checkin: bool = False
    """Reported at a check-in during the programme, not found at the assessment."""

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"
