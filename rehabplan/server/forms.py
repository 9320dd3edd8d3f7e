"""The clinician's patient form ↔ a profile mapping, and problems back onto form inputs.

The form is turned into the same mapping a YAML profile or CSV row gives and validated by
``profile_from_mapping``, so the web app shows exactly the CLI's messages; this module only
decides which input each :class:`~rehabplan.errors.Problem` belongs next to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from rehabplan.errors import Problem
from rehabplan.models.profile import Profile
from rehabplan.screening import SIGNS
from rehabplan.vocab import (
    PROFILE_EQUIPMENT,
    Condition,
    CrossTraining,
    Factor,
    RedFlag,
    Side,
    Units,
    Weekday,
)

CONDITION_WORDS = {
    Condition.PES_ANSERINE_BURSITIS: "Pes anserine bursitis",
    Condition.MCL_SPRAIN_GRADE_1: "MCL sprain, grade 1",
    Condition.MCL_SPRAIN_GRADE_2: "MCL sprain, grade 2",
    Condition.MEDIAL_MENISCUS_IRRITATION: "Medial meniscus irritation",
    Condition.MEDIAL_KNEE_OSTEOARTHRITIS: "Medial knee osteoarthritis",
    Condition.PATELLOFEMORAL_PAIN: "Patellofemoral pain",
    Condition.NONSPECIFIC_MEDIAL_KNEE_PAIN: "Non-specific medial knee pain",
}
DAY_WORDS = {
    Weekday.MON: "Monday", Weekday.TUE: "Tuesday", Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday", Weekday.FRI: "Friday", Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}  # fmt: skip
EQUIPMENT = sorted(e.value for e in PROFILE_EQUIPMENT)
TEXT_FIELDS = (
    "patient_id", "name", "age", "side", "condition", "pain_rest", "pain_running", "pain_daily",
    "clinician_note", "start_date", "timezone", "time", "baseline_weekly_km", "goal_weekly_km",
    "units", "language",
)  # fmt: skip
LIST_FIELDS = ("factors", "red_flags", "days", "equipment", "cross_training")


@dataclass
class PatientForm:
    """What the form shows: the values typed, and the problems found, by input name."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @classmethod
    def blank(cls) -> PatientForm:
        return cls(
            values={
                "units": "km",
                "language": "en",
                "time": "07:00",
                "days": ["mon", "wed", "fri"],
                "timezone": "Europe/London",
                "baseline_weekly_km": "20",
            }
        )

    @classmethod
    def from_profile(cls, profile: Profile, include_details: bool) -> PatientForm:
        data = profile.model_dump(mode="json", exclude_none=True)
        values: dict[str, Any] = {
            k: str(data[k]) for k in TEXT_FIELDS if k in data and not isinstance(data[k], dict)
        }
        values |= {f"pain_{k}": str(v) for k, v in data["pain"].items()}
        values["days"] = data["availability"]["days"]
        values["time"] = data["availability"]["time"][:5]
        values["red_flags"] = [k for k, v in data.get("red_flags", {}).items() if v]
        for name in ("factors", "equipment", "cross_training"):
            values[name] = data.get(name, [])
        values["cleared_by_clinician"] = data.get("cleared_by_clinician", False)
        values["ics_include_details"] = include_details
        return cls(values=values)

    @classmethod
    def from_post(cls, form: FormData) -> PatientForm:
        values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in TEXT_FIELDS}
        values |= {k: [str(v) for v in form.getlist(k)] for k in LIST_FIELDS}
        values["cleared_by_clinician"] = form.get("cleared_by_clinician") == "on"
        values["ics_include_details"] = form.get("ics_include_details") == "on"
        return cls(values=values)

    def mapping(self) -> dict[str, Any]:
        """The profile mapping, as a YAML file with the same content would give it.

        Empty inputs are left out, so a required one gets the CLI's "is required" message and
        an optional one its default.
        """
        v = self.values
        data: dict[str, Any] = {}
        for name in ("patient_id", "name", "age", "side", "condition", "clinician_note",
                     "start_date", "timezone", "baseline_weekly_km", "goal_weekly_km", "units",
                     "language"):  # fmt: skip
            if v.get(name):
                data[name] = v[name]
        pain = {k: v[f"pain_{k}"] for k in ("rest", "running", "daily") if v.get(f"pain_{k}")}
        data["pain"] = pain
        availability: dict[str, Any] = {"days": v.get("days", [])}
        if v.get("time"):
            availability["time"] = v["time"]
        data["availability"] = availability
        data["factors"] = v.get("factors", [])
        data["equipment"] = v.get("equipment", [])
        data["cross_training"] = v.get("cross_training", [])
        data["red_flags"] = {flag: True for flag in v.get("red_flags", [])}
        data["cleared_by_clinician"] = bool(v.get("cleared_by_clinician"))
        return data

    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = input_for(problem.field)
            text = f"{problem.field}: {problem.message}" if problem.field else problem.message
            if name is None:
                self.general.append(text)
            else:
                self.errors.setdefault(name, []).append(text)


def input_for(field_path: str) -> str | None:
    """``pain.running`` → ``pain_running``; ``availability.days[2]`` → ``days``; etc."""
    path = re.sub(r"\[\d+\]", "", field_path)
    if not path:
        return None
    head, _, rest = path.partition(".")
    if head == "pain" and rest:
        return f"pain_{rest}"
    if head == "availability":
        return rest or "days"
    if head in ("red_flags", *LIST_FIELDS):
        return head
    return head if head in TEXT_FIELDS or head == "cleared_by_clinician" else None


def choices() -> dict[str, Any]:
    """Option lists for the template (values from the vocabularies, words for people)."""
    return {
        "sides": [s.value for s in Side],
        "conditions": [(c.value, CONDITION_WORDS[c]) for c in Condition],
        "factors": [f.value for f in Factor],
        "red_flags": [(f.value, SIGNS[f].finding) for f in RedFlag],
        "days": [(d.value, DAY_WORDS[d]) for d in Weekday],
        "equipment": EQUIPMENT,
        "cross_training": [c.value for c in CrossTraining],
        "units": [u.value for u in Units],
    }
