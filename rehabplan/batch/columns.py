"""CSV columns ↔ profile fields: how one spreadsheet row becomes a profile mapping.

A spreadsheet has no nesting, so nested profile fields are flattened (``pain.running`` is the
column ``pain_running``) and lists are written in one cell separated by ``;``. This module only
reshapes cells; every value is still checked by the ``Profile`` model, so a CSV row, a YAML
file and the web form get the same messages for the same mistake.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rehabplan.vocab import RedFlag

RED_FLAG_PREFIX = "red_flag_"
_FALSE_WORDS = frozenset({"false", "no", "0", "n", "f", "off"})


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    example: str
    required: bool = False


# The documented columns, in the order the README table shows them.
COLUMNS: tuple[Column, ...] = (
    Column("patient_id", "Pseudonymous ID; also the output folder name", "P-0042", True),
    Column("name", "Name printed on the handout (optional)", "María José Núñez"),
    Column("age", "Age in years, 12–100", "34", True),
    Column("side", "left, right or both", "left", True),
    Column("condition", "One of the seven conditions", "pes_anserine_bursitis", True),
    Column("factors", "Contributing factors, `;`-separated", "overuse;footwear"),
    Column("pain_rest", "Pain at rest, 0–10", "1", True),
    Column("pain_running", "Pain when running, 0–10", "6", True),
    Column("pain_daily", "Pain in daily activities, 0–10", "2", True),
    Column("red_flags", "Red flags present, `;`-separated names", "locking;fever"),
    Column(
        "red_flag_<name>",
        "One column per red flag: true/false, yes/no, 1/0 or empty (= no)",
        "yes",
    ),
    Column("cleared_by_clinician", "true when a clinician cleared the red flags", "false"),
    Column("clinician_note", "Who cleared the patient, when and why", ""),
    Column("start_date", "First day, YYYY-MM-DD (empty: --start, else today)", "2026-03-02"),
    Column("timezone", "IANA time zone", "Europe/Madrid", True),
    Column("availability_days", "Training days, `;`-separated (mon…sun)", "mon;wed;fri", True),
    Column("availability_time", "Session start, HH:MM 24-hour", "07:30", True),
    Column("equipment", "band, dumbbells, kettlebell, gym, foam_roller, balance_pad", "band"),
    Column("cross_training", "bike, pool, elliptical, `;`-separated", "bike;pool"),
    Column("baseline_weekly_km", "Weekly distance before the injury (in `units`)", "30"),
    Column("weeks_without_running", "Weeks since the last normal run, before the start", "2"),
    Column("goal_weekly_km", "Weekly distance to return to (in `units`)", "35", True),
    Column("units", "km or mi", "km"),
    Column(
        "language",
        "Preferred language, ISO 639-1 (recorded; handouts are in English for now)",
        "es",
    ),
)

_SCALARS = (
    "patient_id", "name", "age", "side", "condition", "cleared_by_clinician", "clinician_note",
    "start_date", "timezone", "baseline_weekly_km", "weeks_without_running", "goal_weekly_km",
    "units", "language",
)  # fmt: skip
_NUMBERS = frozenset({"age", "baseline_weekly_km", "weeks_without_running", "goal_weekly_km"})
_LISTS = ("factors", "equipment", "cross_training")
_NESTED = {
    "pain_rest": ("pain", "rest"),
    "pain_running": ("pain", "running"),
    "pain_daily": ("pain", "daily"),
    "availability_days": ("availability", "days"),
    "availability_time": ("availability", "time"),
}
FLAG_COLUMNS = {f"{RED_FLAG_PREFIX}{flag.value}": flag.value for flag in RedFlag}
KNOWN = frozenset((*_SCALARS, *_LISTS, *_NESTED, "red_flags", *FLAG_COLUMNS))


def normalise_header(cell: str) -> str:
    """``Pain Running``, ``pain-running`` and ``pain.running`` all name ``pain_running``."""
    return re.sub(r"[\s.\-]+", "_", cell.strip().lower()).strip("_")


def suggest(column: str) -> str | None:
    """The known column closest to a misspelt one, for the warning line."""
    close = difflib.get_close_matches(column, sorted(KNOWN), n=1, cutoff=0.75)
    return close[0] if close else None


def unknown_flag_columns(columns: list[str]) -> list[str]:
    """Columns that look like a red flag but are not one rehabplan reads.

    These are refused for the whole file rather than ignored: silently dropping a misspelt
    red-flag column would plan exercise for a patient who needs a doctor. "Looks like"
    is deliberately wide: any unknown column that mentions a flag (``redflag_locking``,
    ``red_flags_fever``, ``Red Flags: Locking``) or names a red flag's words (``locking``,
    ``swelling``), or is close in spelling to a red-flag column.
    """
    return [c for c in columns if c and c not in KNOWN and _looks_like_a_flag(c)]


_FLAG_WORDS = frozenset(
    word
    for flag in RedFlag
    for word in flag.value.split("_")
    if len(word) > 4 and word not in {"despite", "daily", "activities", "range", "motion"}
)


def _looks_like_a_flag(column: str) -> bool:
    squashed = column.replace("_", "")
    if "flag" in squashed or "redfl" in squashed:
        return True
    if any(word in column for word in _FLAG_WORDS):
        return True
    names = [*FLAG_COLUMNS, *FLAG_COLUMNS.values()]
    return bool(difflib.get_close_matches(column, names, n=1, cutoff=0.8))


def _split(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", cell) if part.strip()]


def _number(cell: str) -> str:
    """Accept a decimal comma (``30,5``), as Excel writes it in most European locales."""
    return cell.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", cell) else cell


def _time(cell: str) -> str:
    """Excel writes times as ``07:30:00``; seconds are dropped when they are zero."""
    m = re.fullmatch(r"(\d{1,2}:\d{2}):00", cell)
    return m[1] if m else cell


def row_to_mapping(cells: Mapping[str, str]) -> dict[str, Any]:
    """Turn one row (normalised column → cell text) into the mapping ``Profile`` validates.

    Empty cells mean "absent", so optional fields take their defaults and required ones are
    reported as missing. Columns not in :data:`KNOWN` are ignored here (the reader warns).
    A red flag is present when its own column says yes *or* the ``red_flags`` list names it:
    with two ways to say it, the safe reading wins.
    """
    data: dict[str, Any] = {}
    filled = {k: v.strip() for k, v in cells.items() if k in KNOWN and v and v.strip()}
    for key in _SCALARS:
        if key in filled:
            data[key] = _number(filled[key]) if key in _NUMBERS else filled[key]
    for key in _LISTS:
        if key in filled:
            data[key] = _split(filled[key])
    for column, (section, key) in _NESTED.items():
        if column in filled:
            value = filled[column]
            if section == "pain":
                value = _number(value)
            elif key == "days":
                value = _split(value)
            else:
                value = _time(value)
            data.setdefault(section, {})[key] = value
    flags: dict[str, Any] = {}
    for column, flag in FLAG_COLUMNS.items():
        if column in filled:
            flags[flag] = filled[column]
    for name in _split(filled.get("red_flags", "")):
        flag = normalise_header(name)
        current = flags.get(flag)
        if current is None or str(current).lower() in _FALSE_WORDS:
            flags[flag] = True
    if flags:
        data["red_flags"] = flags
    return data
