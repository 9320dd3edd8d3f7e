"""The handout's view model: the plan regrouped the way the printed pages present it.

Pure functions of the plan and the library; no decisions, only grouping and wording.
The dose shown on an exercise card is what the plan actually schedules for that exercise
in each phase, not the library's default, so card and calendar never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from rehabplan.export.assets import svg_data_uri
from rehabplan.export.text import (
    KIND_LABEL,
    day_text,
    dose_parts,
    intervals_text,
    short_day,
    short_label,
)
from rehabplan.library import Library
from rehabplan.models.plan import Plan, Session
from rehabplan.vocab import SessionKind

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOME_CARE_TOPICS = ("ice", "compression", "elevation")


@dataclass
class PhaseDose:
    phase_title: str
    doses: list[tuple[str, str]]
    """(dose text, "from <date>" when the dose changes within the phase, else "")."""


@dataclass
class Card:
    exercise_id: str
    name: str
    summary: str
    image_uri: str
    image_alt: str
    doses: list[PhaseDose]
    steps: list[str]
    cues: list[str]
    mistakes: list[str]
    pain_rule: str
    notes: list[str]


@dataclass
class Cell:
    day: int
    month: str
    in_plan: bool
    labels: list[tuple[str, str]] = field(default_factory=list)
    """(kind, label) pairs; kind picks the colour."""


@dataclass
class Week:
    number: int
    start: dt.date
    phase_key: str
    cells: list[Cell]


@dataclass
class DiaryRow:
    date: str
    label: str
    week: int

    @property
    def text(self) -> str:
        return f"{self.date} · {self.label}"


def _phase_titles(plan: Plan) -> dict[str, str]:
    return {p.key.value: p.title for p in plan.phases}


def exercise_cards(plan: Plan, library: Library) -> list[Card]:
    """One card per exercise in the plan, in order of first use."""
    titles = _phase_titles(plan)
    used: dict[str, dict[str, list[tuple[str, list[str], dt.date]]]] = {}
    notes: dict[str, list[str]] = {}
    for s in plan.sessions:
        for pe in s.exercises:
            per_phase = used.setdefault(pe.exercise_id, {})
            doses = per_phase.setdefault(s.phase.value, [])
            core, extras = dose_parts(pe)
            if not doses or (doses[-1][0], doses[-1][1]) != (core, extras):
                doses.append((core, extras, s.date))
            if pe.notes and pe.notes not in notes.setdefault(pe.exercise_id, []):
                notes[pe.exercise_id].append(pe.notes)
    cards = []
    for ex_id, per_phase in used.items():
        ex = library.get(ex_id)
        phase_doses = []
        for phase_key, doses in per_phase.items():
            if len(doses) == 1:
                core, extras, _ = doses[0]
                rows = [(", ".join([core, *extras]), "")]
            else:
                # A dose that rises week by week: every step with the date it starts;
                # load and rest are repeated only when they change, to keep cards short.
                rows = []
                previous: list[str] | None = None
                for core, extras, day in doses:
                    text = core if extras == previous else ", ".join([core, *extras])
                    rows.append((text, f"from week {week_number(plan, day)}"))
                    previous = extras
            phase_doses.append(PhaseDose(titles.get(phase_key, phase_key), rows))
        cards.append(
            Card(
                exercise_id=ex_id,
                name=ex.name,
                summary=ex.summary,
                image_uri=svg_data_uri(library.illustration_path(ex)),
                image_alt=f"Drawing of the {ex.name} exercise: {ex.summary}",
                doses=phase_doses,
                steps=list(ex.instructions),
                cues=list(ex.cues),
                mistakes=list(ex.mistakes),
                pain_rule=ex.pain_rule,
                notes=notes.get(ex_id, [])[:3],
            )
        )
    return cards


def week_number(plan: Plan, day: dt.date) -> int:
    """The calendar row ``day`` is in: week 1 is the Monday-to-Sunday week of the start.

    Cards give dose steps by these numbers rather than by date, so that patients on the
    same programme share the same cards (``shared_pages``); the grid shows the dates.
    """
    first = plan.start_date - dt.timedelta(days=plan.start_date.weekday())
    return (day - first).days // 7 + 1


def strict_weeks(plan: Plan) -> int | None:
    """How many weeks from the start the stricter sprain pain limit lasts."""
    if plan.strict_pain is None:
        return None
    return ((plan.strict_pain.until - plan.start_date).days + 1 + 6) // 7


def calendar_weeks(plan: Plan) -> list[Week]:
    """Monday-to-Sunday rows from the week holding the start date to the end date."""
    by_day: dict[dt.date, list[Session]] = {}
    for s in plan.sessions:
        by_day.setdefault(s.date, []).append(s)
    first = plan.start_date - dt.timedelta(days=plan.start_date.weekday())
    weeks = []
    monday = first
    number = 1
    while monday <= plan.end_date:
        cells = []
        for i in range(7):
            d = monday + dt.timedelta(days=i)
            cell = Cell(d.day, f"{d:%b}", plan.start_date <= d <= plan.end_date)
            for s in by_day.get(d, []):
                cell.labels.append((s.kind.value, short_label(s)))
            cells.append(cell)
        phase = next(
            (p.key.value for p in plan.phases if p.start <= monday + dt.timedelta(days=6)
             and p.end >= monday),
            plan.phases[-1].key.value if plan.phases else "",
        )  # fmt: skip
        weeks.append(Week(number, monday, phase, cells))
        monday += dt.timedelta(days=7)
        number += 1
    return weeks


def diary_rows(plan: Plan) -> list[DiaryRow]:
    return [
        DiaryRow(short_day(s.date), short_label(s), week_number(plan, s.date))
        for s in plan.sessions
        if s.kind is not SessionKind.REVIEW
    ]


# Rows per diary page (the first page also holds the heading and the instructions). US
# Letter is 17.6 mm shorter than A4: 38 rows of 6 mm plus week separators overflowed it by
# one row, which then sat alone on a page without the 0–10 header.
DIARY_ROWS = {"a4": (30, 38), "letter": (27, 35)}


def diary_pages(rows: list[DiaryRow], paper: str = "a4") -> list[list[list[DiaryRow]]]:
    """Diary rows cut into pages for ``paper``, and each page into its plan weeks.

    One header per printed page prints the same and lays out much faster in WeasyPrint
    than one long table split across pages. A week's rows are printed as one block of
    lines (``partials/diary.html.j2``): WeasyPrint lays out a line of a block in ~40 %
    less time than a one-line paragraph (measured), and a diary has up to ~150 rows.
    """
    first, per_page = DIARY_ROWS[paper]
    pages = [rows[:first]]
    rest = rows[first:]
    pages += [rest[i : i + per_page] for i in range(0, len(rest), per_page)]
    return [[list(week) for _, week in groupby(page, key=lambda row: row.week)]
            for page in pages if page]  # fmt: skip


def session_legend(plan: Plan) -> list[tuple[str, str]]:
    kinds = list(dict.fromkeys(s.kind for s in plan.sessions))
    return [(k.value, KIND_LABEL[k]) for k in kinds]


def home_care(plan: Plan) -> tuple[list, list]:
    """Split the plan's advice into home care (ice, compression, elevation) and the rest."""
    care = [a for a in plan.advice if a.topic in HOME_CARE_TOPICS]
    other = [a for a in plan.advice if a.topic not in HOME_CARE_TOPICS]
    return care, other


def new_cautions(plan: Plan) -> dict[str, list[str]]:
    """Each phase's cautions minus those already printed for an earlier phase."""
    seen: set[str] = set()
    out = {}
    for p in plan.phases:
        out[p.key.value] = [c for c in p.cautions if c not in seen]
        seen.update(p.cautions)
    return out


def reviews(plan: Plan) -> list[Session]:
    return [s for s in plan.sessions if s.kind is SessionKind.REVIEW]


def first_run_walk(plan: Plan) -> Session | None:
    return next((s for s in plan.sessions if s.run_walk is not None), None)


FILTERS = {
    "day": day_text,
    "short_day": short_day,
    "intervals": intervals_text,
}
