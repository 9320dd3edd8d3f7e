"""Rows → validated patient tasks, in the driver process, before any worker starts.

Validation is cheap next to a PDF render, so doing it up front means bad rows are reported
with exact messages without a round trip to a worker, and duplicate patient_ids (which would
make two rows fight over one output folder) are caught while the whole file is in view.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rehabplan.batch.rows import PatientFile, RawRow
from rehabplan.batch.tasks import PatientResult, PatientTask, input_hash
from rehabplan.errors import InputError, Problem
from rehabplan.pipeline import ExportOptions
from rehabplan.profile_io import profile_from_mapping


@dataclass
class Prepared:
    tasks: list[PatientTask] = field(default_factory=list)
    failed: list[PatientResult] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    """patient_ids whose row now fails: outputs from an earlier run no longer match the
    patient's record (a red flag added with a typo, say) and must not look current."""


def _failed(row: RawRow, problems: list[Problem], pid: str | None) -> PatientResult:
    return PatientResult(
        row.number,
        pid,
        "failed",
        reason="; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems),
        problems=tuple((p.field, p.message) for p in problems),
    )


def prepare(
    patients: PatientFile,
    *,
    out_root: Path,
    formats: tuple[str, ...],
    options: ExportOptions,
    context: str,
    start: dt.date | None = None,
    force: bool = False,
) -> Prepared:
    """Validate every row; the first row with a patient_id owns it, later ones fail.

    IDs are compared ignoring case because ``P1`` and ``p1`` would share one folder on the
    case-insensitive file systems of macOS and Windows.
    """
    out = Prepared()
    run_id = uuid.uuid4().hex
    owner: dict[str, int] = {}
    for row in patients.rows:
        pid = row.patient_id
        first = owner.setdefault(pid.lower(), row.number) if pid else row.number
        if row.data is None:
            out.failed.append(_failed(row, list(row.problems), pid))
            if pid and first == row.number:
                out.withdrawn.append(pid)
            continue
        try:
            profile = profile_from_mapping(row.data, row.source)
        except InputError as e:
            out.failed.append(_failed(row, e.problems, pid))
            if pid and first == row.number:
                out.withdrawn.append(pid)
            continue
        if first != row.number:
            unit = "row" if patients.kind == "csv" else "line"
            message = f"duplicate patient_id, first seen in {unit} {first}"
            out.failed.append(_failed(row, [Problem(row.source, "patient_id", message)], pid))
            continue
        if profile.start_date is None:
            # The only clock in a batch: "today" where each patient lives, unless --start.
            begin = start or dt.datetime.now(profile.zone).date()
            when: str | None = begin.isoformat()
        else:
            when = None
        out.tasks.append(
            PatientTask(
                row=row.number,
                source=row.source,
                patient_id=profile.patient_id,
                profile=profile,
                out_root=str(out_root),
                formats=formats,
                options=options,
                input_hash=input_hash(context, profile),
                start=when,
                force=force,
                run_id=run_id,
            )
        )
    return out
