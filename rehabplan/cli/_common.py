"""Helpers shared by the ``plan`` and ``checkin`` commands: dates, formats, summaries."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

from rehabplan.errors import InputError, Problem
from rehabplan.models.plan import Plan, Referral

_EXPORTERS = {"pdf": "rehabplan.export.pdf", "html": "rehabplan.export.html",
              "ics": "rehabplan.export.ics"}  # fmt: skip
_KIND_WORDS = {
    "strength": "strength",
    "mobility": "mobility",
    "cross_training": "cross-training",
    "run_walk": "running",
    "recovery": "daily routine",
    "review": "review",
}


def parse_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    from rehabplan.models.profile import FIRST_START, LAST_START

    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        shape_ok = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip())
        what = "is not a real calendar date" if shape_ok else "must be a date written YYYY-MM-DD"
        raise InputError([Problem(option, "", f"{what}, got {text!r}")]) from None
    if not FIRST_START <= day <= LAST_START:
        raise InputError(
            [Problem(option, "", f"must be between {FIRST_START} and {LAST_START}, got {day}")]
        )
    return day


def check_exporters(formats: tuple[str, ...]) -> None:
    """Fail before writing anything when an asked-for format cannot be produced here."""
    missing = [f for f in formats if f in _EXPORTERS and find_spec(_EXPORTERS[f]) is None]
    if missing:
        raise InputError(
            [
                Problem(
                    "--format",
                    "",
                    f"{', '.join(missing)} output is not available in this installation; "
                    "use --format json",
                )
            ]
        )


def formats_in(out_dir: Path) -> tuple[str, ...]:
    """The formats a previous run left in ``out_dir`` (a re-plan writes the same ones)."""
    names = {"json": "plan.json", "pdf": "handout.pdf", "ics": "plan.ics", "html": "handout.html"}
    found = tuple(f for f, name in names.items() if (out_dir / name).exists())
    return found or ("json",)


def _day(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def plan_summary(plan: Plan, files: list[Path]) -> str:
    who = plan.patient.name or plan.patient_id
    condition = plan.patient.condition.value.replace("_", " ")
    side = plan.patient.side.value
    knee = "both knees" if side == "both" else f"{side} knee"
    lines = [f"Plan for {who} ({plan.patient_id}): {condition}, {knee}", ""]
    for phase in plan.phases:
        weeks = f"{phase.weeks} week" + ("s" if phase.weeks != 1 else "")
        lines.append(f"  {phase.title:<20} {_day(phase.start)} – {_day(phase.end)}  ({weeks})")
    lines += ["", "Sessions per week:"]
    units = plan.patient.units.value
    for number, load in enumerate(plan.weekly_load, 1):
        end = load.week_start + dt.timedelta(days=7)
        kinds = Counter(s.kind.value for s in plan.sessions if load.week_start <= s.date < end)
        detail = ", ".join(f"{n} {_KIND_WORDS[k]}" for k, n in sorted(kinds.items()))
        run = f"; running {load.run_minutes} min ≈ {load.run_distance:g} {units}" if (
            load.run_minutes) else ""  # fmt: skip
        lines.append(
            f"  week {number:>2} from {load.week_start:%d %b}: {load.sessions} sessions"
            f" ({detail}){run}"
        )
    running = plan.running
    if running is not None:
        lines.append("")
        if running.status == "awaiting_review":
            lines.append("Running: not dated yet; it is set at the review that ends strengthening.")
        else:
            reach = f"{running.peak_weekly_distance:g} {units} a week"
            lines.append(
                f"Running: first run/walk {_day(running.first_run)}, up to {reach}"
                + ("" if running.reached_target else " (handed over at the last review)")
            )
    if plan.notices:
        lines += ["", "Read first:"]
        lines += [f"  • {n.title}" for n in plan.notices]
    lines += ["", "Files written:", *(f"  {f}" for f in files)]
    return "\n".join(lines)


def referral_summary(referral: Referral, files: list[Path]) -> str:
    lines = ["Red flags found: no exercise plan was made.", "", "Signs found:"]
    lines += [f"  • {f['finding']}" for f in referral.findings]
    lines += ["", f"Whom to see: {referral.see}", f"How soon: {referral.urgency}", ""]
    lines += ["Referral written to:", *(f"  {f}" for f in files)]
    return "\n".join(lines)
