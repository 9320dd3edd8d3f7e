"""``rehabplan batch``: handouts for a whole clinic list (CSV or JSONL), locally or on Dask."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from rehabplan.batch import RECYCLE_AFTER
from rehabplan.cli import fail, reports_input_errors
from rehabplan.cli.options import export_options, export_settings
from rehabplan.errors import EXIT_INVALID

EXIT_INTERRUPTED = 130


@click.command()
@click.argument("patients", metavar="PATIENTS", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for one sub-folder per patient and batch-report.json (created if missing). "
    "With --scheduler it must be a path every Dask worker can write to.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes on this machine (default: all cores).",
)
@click.option(
    "--formats",
    "--format",
    "formats",
    default="pdf,ics,json",
    show_default=True,
    help="Comma-separated outputs per patient: pdf, ics, json, html.",
)
@click.option(
    "--start",
    metavar="YYYY-MM-DD",
    help="First day for rows without a start_date (default: today in the patient's time zone).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs rehabplan[cluster]).",
)
@click.option(
    "--force", is_flag=True, help="Regenerate every patient, even those unchanged since last run."
)
@click.option(
    "--recycle-after",
    type=click.IntRange(min=1),
    default=RECYCLE_AFTER,
    show_default=True,
    help="Replace each worker process after about this many patients (keeps memory flat).",
)
@export_options
@click.option("--quiet", "-q", is_flag=True, help="No progress output (the summary is printed).")
@reports_input_errors
def batch(
    patients: Path,
    out_dir: Path,
    jobs: int | None,
    formats: str,
    start: str | None,
    scheduler: str | None,
    force: bool,
    recycle_after: int,
    quiet: bool,
    **export: object,
) -> None:
    """Make plans and handouts for every patient in PATIENTS (CSV or JSONL).

    Each patient gets OUT/<patient_id>/ with handout.pdf, plan.ics and plan.json (a
    referral letter instead for red flags); OUT/batch-report.json lists every row. A bad
    row is reported and never stops the others. Running the same command again after an
    interruption finishes the rest and skips patients whose input has not changed.

    \b
    Exit codes: 0 every row done or referred; 1 some rows failed; 2 the file cannot be
    read or --out cannot be written (nothing written); 130 interrupted (Ctrl-C, SIGTERM).
    """
    from rehabplan.batch.driver import BatchSettings, run_batch
    from rehabplan.batch.runner import default_jobs
    from rehabplan.cli._common import check_exporters, parse_date
    from rehabplan.pipeline import parse_formats

    wanted = parse_formats(formats)
    check_exporters(wanted)
    if scheduler:
        from importlib.util import find_spec

        if find_spec("distributed") is None:
            fail("--scheduler needs Dask: pip install 'rehabplan[cluster]'")
    settings = BatchSettings(
        patients=patients,
        out_dir=out_dir,
        formats=wanted,
        options=export_settings(**export),  # type: ignore[arg-type]
        jobs=jobs or default_jobs(),
        start=parse_date(start, "--start"),
        force=force,
        recycle_after=recycle_after,
        scheduler=scheduler,
        progress=not quiet,
    )

    def warn(message: str) -> None:
        click.secho(f"warning: {message}", err=True, fg="yellow")

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = run_batch(settings, warn=warn)
    except OSError as e:  # scheduler unreachable, output folder not writable
        fail(str(e), EXIT_INVALID)
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(report.summary())
    if report.interrupted:
        click.echo(
            "Interrupted: finished patients are kept; run the same command again to finish "
            "the rest.",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(report.exit_code())


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a scheduler or ``kill``) stops a batch the way Ctrl-C does: patients in
    progress finish, the report is written, the exit code is 130."""
    raise KeyboardInterrupt
