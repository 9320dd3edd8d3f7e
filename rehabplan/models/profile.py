"""One runner's assessment: the planner's only patient-specific input.

Read from YAML/JSON, one CSV row or the clinician's web form; all three go through this
model so the same value gets the same message wherever it was typed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from rehabplan.models.adjustments import Adjustments
from rehabplan.validation import NPRS, NUMBER, Strict, between, plain_text
from rehabplan.vocab import (
    HOUSEHOLD,
    KM_PER_MILE,
    PROFILE_EQUIPMENT,
    Condition,
    CrossTraining,
    Equipment,
    Factor,
    RedFlag,
    Side,
    Units,
    Weekday,
)

PATIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SEVERE_PAIN = 7
"""NPRS score from which pain at rest or in daily activities counts as a red flag."""
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

_DAY_ALIASES = {
    **{d.value: d.value for d in Weekday},
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun",
    "tues": "tue", "wednes": "wed", "thur": "thu", "thurs": "thu",
}  # fmt: skip


def _normalise_day(value: object) -> object:
    if isinstance(value, str):
        return _DAY_ALIASES.get(value.strip().lower(), value.strip().lower())
    return value


def _parse_time(value: object) -> object:
    """Accept ``HH:MM`` only: a bare number (``730``, ``7``) is ambiguous, so it is refused."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if m and int(m[1]) < 24 and int(m[2]) < 60:
            return dt.time(int(m[1]), int(m[2]))
    raise PydanticCustomError(
        "time_format",
        "must be a time written HH:MM (24-hour, e.g. 07:30), got {got}",
        {"got": repr(value)},
    )


# Earliest and latest first day of a plan: wide enough for any real clinic (back-dated
# plans, plans booked ahead), narrow enough that a mistyped year is caught, not planned.
FIRST_START = dt.date(2000, 1, 1)
LAST_START = dt.date(2099, 12, 31)


def check_start_date(value: dt.date) -> dt.date:
    if not FIRST_START <= value <= LAST_START:
        raise PydanticCustomError(
            "start_date",
            "must be between {lo} and {hi}, got {got} (check the year)",
            {"lo": FIRST_START.isoformat(), "hi": LAST_START.isoformat(), "got": value.isoformat()},
        )
    return value


def _check_patient_id(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(PATIENT_ID_PATTERN, value.strip()):
        raise PydanticCustomError(
            "patient_id",
            "must be 1 to 64 characters using only letters A-Z, digits, '-' and '_' "
            "(no spaces or accents; it is a pseudonym, put the real name under name), got {got}",
            {"got": repr(value if len(value) <= 80 else value[:80] + "…")},
        )
    return value


def _check_language(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(LANGUAGE_PATTERN, value.strip()):
        raise PydanticCustomError(
            "language",
            "must be a language code such as en, es or pt-BR, got {got}",
            {"got": repr(value)},
        )
    return value


def _listify_days(value: object) -> object:
    """``mon;wed;fri`` (a CSV cell) or ``mon, wed`` becomes a list; a list stays as it is."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;,\s]+", value) if part.strip()]
    return value


SessionTime = Annotated[dt.time, BeforeValidator(_parse_time)]
Day = Annotated[Weekday, BeforeValidator(_normalise_day)]


class Pain(Strict):
    """Pain on the 0–10 numeric rating scale, in three situations."""

    rest: NPRS
    running: NPRS
    daily: NPRS


class RedFlags(Strict):
    """Signs that need a doctor before any exercise plan; absent means not present."""

    persistent_pain_despite_rest: bool = False
    swelling_warmth_redness: bool = False
    limited_range_of_motion: bool = False
    instability: bool = False
    pain_in_daily_activities: bool = False
    locking: bool = False
    fever: bool = False
    trauma_with_immediate_swelling: bool = False
    unable_to_bear_weight: bool = False
    """Cannot take four steps or put weight on the leg (Ottawa knee rule)."""
    calf_pain_or_swelling: bool = False
    """Calf pain, tenderness or swelling: a possible deep-vein thrombosis."""
    night_pain_or_unwell: bool = False
    """Pain that wakes at night, or feeling unwell (fever, weight loss)."""
    numbness_tingling_weakness: bool = False
    """Numbness, tingling or weakness in the leg."""
    hip_or_groin_pain: bool = False
    """Hip or groin pain with the knee pain (in a young runner: slipped upper femoral
    epiphysis until shown otherwise)."""

    def present(self) -> list[RedFlag]:
        return [flag for flag in RedFlag if getattr(self, flag.value)]


class Availability(Strict):
    """The weekdays the runner can train and the local time sessions start."""

    days: Annotated[list[Day], Field(min_length=1, max_length=7), BeforeValidator(_listify_days)]
    time: SessionTime

    @field_validator("days")
    @classmethod
    def _unique_sorted(cls, days: list[Weekday]) -> list[Weekday]:
        return sorted(set(days), key=lambda d: d.index)


def _listify(value: object) -> object:
    """A single value or a ``;``-separated string (CSV cells) becomes a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _lower_list(value: object) -> object:
    value = _listify(value)
    if isinstance(value, list):
        return [v.strip().lower() if isinstance(v, str) else v for v in value]
    return value


class Profile(Strict):
    """One runner's assessment.

    Distances: ``baseline_weekly_km`` and ``goal_weekly_km`` are in the profile's ``units``.
    The field names say km for historical reasons, but with ``units: mi`` both are read as
    miles (a runner in the US writes the numbers they know); use :meth:`weekly_km` for the
    value in kilometres. The plan keeps kilometres internally and shows the patient's units.
    """

    patient_id: Annotated[str, BeforeValidator(_check_patient_id)]
    name: Annotated[str, Field(max_length=120), plain_text(multiline=False)] | None = None
    age: Annotated[int, NUMBER, between(12, 100)]
    side: Side
    condition: Condition
    factors: Annotated[list[Factor], BeforeValidator(_lower_list)] = Field(default_factory=list)
    pain: Pain
    red_flags: RedFlags = RedFlags()
    cleared_by_clinician: bool = False
    clinician_note: Annotated[str, Field(max_length=1000), plain_text(multiline=True)] | None = (
        Field(default=None, validate_default=True)
    )
    start_date: Annotated[dt.date, AfterValidator(check_start_date)] | None = None
    timezone: str
    availability: Availability
    equipment: Annotated[list[Equipment], BeforeValidator(_lower_list)] = Field(
        default_factory=list
    )
    cross_training: Annotated[list[CrossTraining], BeforeValidator(_lower_list)] = Field(
        default_factory=list
    )
    baseline_weekly_km: Annotated[float, NUMBER, between(0, 300)] = 0
    weeks_without_running: Annotated[int, NUMBER, between(0, 520)] = 0
    """Weeks since the runner last ran normally, before ``start_date`` (0: stopped just now).
    Sets how much of the baseline volume running resumes at (CLINICAL-REFERENCE §7)."""
    goal_weekly_km: Annotated[float, NUMBER, between(1, 300)]
    units: Units = Units.KM
    language: Annotated[str, BeforeValidator(_check_language)] = "en"
    adjustments: Adjustments | None = None
    """The clinician's tailoring: exercises removed, swapped, re-dosed or annotated, a note
    for the plan, the first run moved (see ``models/adjustments.py``)."""

    @field_validator("name")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("clinician_note")
    @classmethod
    def _override_needs_reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Declared after cleared_by_clinician, so that field is already in info.data.
        if info.data.get("cleared_by_clinician") and not value:
            raise PydanticCustomError(
                "clinician_note",
                "is required when cleared_by_clinician is true "
                "(say who cleared the patient, when and why)",
            )
        return value or None

    @field_validator("factors", "cross_training")
    @classmethod
    def _dedupe(cls, values: list) -> list:
        return list(dict.fromkeys(values))

    @field_validator("equipment")
    @classmethod
    def _profile_equipment(cls, values: list[Equipment]) -> list[Equipment]:
        cross = {e.value for e in CrossTraining}
        wrong = [v.value for v in values if v.value in cross]
        if wrong:
            raise PydanticCustomError(
                "equipment_kind",
                "{wrong} belongs under cross_training, not equipment",
                {"wrong": ", ".join(wrong)},
            )
        return list(dict.fromkeys(values))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
            if value not in _zone_names():  # "localtime", "Factory", "posixrules": not places
                raise ZoneInfoNotFoundError(value)
        except (ZoneInfoNotFoundError, ValueError):
            hint = _zone_hint(value)
            raise PydanticCustomError(
                "timezone",
                "must be an IANA time zone such as Europe/London or America/New_York, "
                "got {got}{hint}",
                {"got": repr(value), "hint": hint},
            ) from None
        return value

    # -- derived views ---------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def has(self) -> frozenset[Equipment]:
        """Everything the patient can use: household items, listed kit and cross-training."""
        kit = {Equipment(e.value) for e in self.equipment if e in PROFILE_EQUIPMENT}
        if Equipment.GYM in kit:  # every gym has free weights as well as machines
            kit |= {Equipment.DUMBBELLS, Equipment.KETTLEBELL}
        kit |= {Equipment(c.value) for c in self.cross_training}
        return frozenset(HOUSEHOLD | kit)

    def red_flags_present(self) -> list[RedFlag]:
        """The ticked signs, plus those the pain scores show by themselves.

        The clinical reference sends a runner to a doctor for pain in daily activities and
        pain that persists despite rest. Mild scores there are common and within the
        programme (its phase criteria ask for daily pain ≤ 2/10), but a severe score
        (≥ ``SEVERE_PAIN`` on the 0-10 scale) is that sign whether or not the box was
        ticked: a self-guided plan would start an irritable knee on exercise.
        """
        flags = self.red_flags.present()
        derived = [
            (self.pain.daily, RedFlag.PAIN_IN_DAILY_ACTIVITIES),
            (self.pain.rest, RedFlag.PERSISTENT_PAIN_DESPITE_REST),
        ]
        for score, flag in derived:
            if score >= SEVERE_PAIN and flag not in flags:
                flags.append(flag)
        return flags

    def weekly_km(self, value: float) -> float:
        """A weekly distance from this profile (in its ``units``) converted to kilometres."""
        return value * KM_PER_MILE if self.units is Units.MI else float(value)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


def _zone_hint(value: str) -> str:
    """Suggest real zone names: same name in other case, names containing it, near spellings."""
    lowered = value.strip().lower()
    if not lowered:
        return ""
    zones = sorted(_zone_names())
    by_lower = {z.lower(): z for z in zones}
    matches = [by_lower[lowered]] if lowered in by_lower else []
    matches += [z for z in zones if lowered in z.lower() and z not in matches]
    if not matches:
        close = difflib.get_close_matches(lowered, list(by_lower), n=3, cutoff=0.75)
        matches = [by_lower[c] for c in close]
    return f" (did you mean {', '.join(matches[:3])}?)" if matches else ""
