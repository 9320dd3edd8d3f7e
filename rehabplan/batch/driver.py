"""One batch from start to end: read, validate, run (locally or on Dask), report.

Kept apart from the click command so tests and benchmarks can run a batch in-process and so
the CLI stays a thin layer of options, messages and exit codes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rehabplan import atomic
from rehabplan.batch import RECYCLE_AFTER
from rehabplan.batch.columns import suggest
from rehabplan.batch.prepare import prepare
from rehabplan.batch.progress import progress_for
from rehabplan.batch.report import BatchReport
from rehabplan.batch.rows import PatientFile, read_patients
from rehabplan.batch.runner import default_jobs, run_local
from rehabplan.batch.tasks import PatientResult, context_digest
from rehabplan.batch.worker import withdraw
from rehabplan.errors import InputError, Problem
from rehabplan.library import default_library
from rehabplan.pipeline import DEFAULT_FORMATS, ExportOptions
from rehabplan.protocol import default_protocol

REPORT_EVERY_S = 2.0


@dataclass
class BatchSettings:
    patients: Path
    out_dir: Path
    formats: tuple[str, ...] = DEFAULT_FORMATS
    options: ExportOptions = field(default_factory=ExportOptions)
    jobs: int = field(default_factory=default_jobs)
    start: dt.date | None = None
    force: bool = False
    recycle_after: int = RECYCLE_AFTER
    scheduler: str | None = None
    """Dask scheduler address; None runs on this machine."""
    client: Any = None
    """An already connected ``distributed.Client`` (tests); wins over ``scheduler``."""
    progress: bool = True


def ignored_columns_warning(patients: PatientFile) -> str | None:
    if not patients.ignored_columns:
        return None
    names = []
    for name in patients.ignored_columns:
        close = suggest(name)
        names.append(f"{name} (did you mean {close}?)" if close else name)
    return f"{patients.path}: ignoring columns rehabplan does not use: {', '.join(names)}"


def _check_writable(out_dir: Path) -> None:
    """Create ``out_dir`` and prove a file can be written there, before any patient is made:
    a read-only or full folder is one clear message (exit 2), not a thousand failed rows."""
    import tempfile

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test.", suffix=".tmp"):
            pass
    except OSError as e:
        raise InputError(
            [Problem(str(out_dir), "", f"cannot be written to (--out): {e.strerror or e}")]
        ) from None


def run_batch(
    settings: BatchSettings,
    *,
    warn: Callable[[str], None] = lambda message: None,
) -> BatchReport:
    """Run a whole batch; InputError (exit 2) only for an unusable file, before any output."""
    patients = read_patients(settings.patients)
    out_dir = Path(settings.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError([Problem(str(out_dir), "", "exists and is not a folder (--out)")])
    warnings = [w for w in [ignored_columns_warning(patients)] if w]
    for warning in warnings:
        warn(warning)

    # A broken exercise library or protocol is a problem for every patient: stop now (exit 2).
    default_library()
    default_protocol()
    client = settings.client
    if client is None and settings.scheduler:
        from rehabplan.batch.cluster import connect

        client = connect(settings.scheduler)  # before any output: unreachable → nothing written
    start = settings.start.isoformat() if settings.start else None
    context = context_digest(settings.formats, settings.options, start)
    prepared = prepare(
        patients,
        # Absolute, so a Dask worker started in another directory writes to the same place.
        out_root=out_dir.resolve(),
        formats=settings.formats,
        options=settings.options,
        context=context,
        start=settings.start,
        force=settings.force,
    )
    _check_writable(out_dir)
    atomic.clean_stale_temps(out_dir)
    for patient_id in prepared.withdrawn:
        withdraw(out_dir, patient_id)

    mode: dict[str, Any] = (
        {"scheduler": settings.scheduler or "client"}
        if settings.scheduler or settings.client
        else {"jobs": settings.jobs, "recycle_after": settings.recycle_after}
    )
    report = BatchReport(
        settings.patients,
        out_dir,
        unit="row" if patients.kind == "csv" else "line",
        total_rows=len(patients.rows),
        settings={"formats": list(settings.formats), "force": settings.force, **mode},
        warnings=warnings,
    )
    progress = progress_for(len(patients.rows), enabled=settings.progress)
    last_write = time.monotonic()

    def record(result: PatientResult) -> None:
        nonlocal last_write
        report.add(result)
        progress.advance(result)
        if time.monotonic() - last_write > REPORT_EVERY_S:
            report.write(complete=False)
            last_write = time.monotonic()

    try:
        for failed in prepared.failed:
            record(failed)
        if prepared.tasks and client is not None:
            from rehabplan.batch.cluster import run_on_cluster

            run_on_cluster(prepared.tasks, record, client=client, formats=settings.formats)
        elif prepared.tasks:
            jobs = max(1, min(settings.jobs, len(prepared.tasks)))
            run_local(
                prepared.tasks,
                record,
                jobs=jobs,
                formats=settings.formats,
                recycle_after=settings.recycle_after,
            )
    except KeyboardInterrupt:
        # Ctrl-C: what finished is kept and reported; the caller exits 130.
        report.interrupted = True
        progress.close()
        report.write(complete=False)
        return report
    finally:
        if client is not None and settings.client is None:
            client.close()
    progress.close()
    report.write(complete=True)
    return report
