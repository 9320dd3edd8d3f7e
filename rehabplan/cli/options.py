"""Command-line options shared by ``plan`` and ``batch``: how the handout and calendar look.

One decorator so a single patient and a clinic batch can never drift apart in what they
accept. Only click is imported here: these run when the CLI module loads, and ``--help``
must stay instant.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

F = TypeVar("F", bound=Callable[..., Any])
COMMANDLINE = ParameterSource.COMMANDLINE


def export_options(func: F) -> F:
    """Add --paper, --pdf-variant, --clinic, --ics-details, --alarm-minutes and --no-alarm."""
    options = [
        click.option(
            "--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True
        ),
        click.option(
            "--pdf-variant", metavar="VARIANT", help="e.g. pdf/ua-1 for tagged, accessible PDFs."
        ),
        click.option(
            "--clinic",
            "clinic_file",
            type=click.Path(path_type=Path, exists=True, dir_okay=False),
            help="YAML with the clinic's name, contact lines and logo for the handout cover.",
        ),
        click.option(
            "--ics-details",
            is_flag=True,
            help="Put the patient's name and condition in calendar events (off by default).",
        ),
        click.option(
            "--alarm-minutes",
            type=click.IntRange(0, 10080),
            default=30,
            show_default=True,
            help="Calendar reminder this many minutes before each session.",
        ),
        click.option(
            "--no-alarm", is_flag=True, help="No calendar reminders (not with --alarm-minutes)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def export_settings(
    *,
    paper: str,
    pdf_variant: str | None,
    clinic_file: Path | None,
    ics_details: bool,
    alarm_minutes: int,
    no_alarm: bool,
) -> Any:
    """The ``pipeline.ExportOptions`` those options describe (imported late: it is not light)."""
    from rehabplan.pipeline import ExportOptions, check_export_options

    ctx = click.get_current_context(silent=True)
    typed = ctx is not None and ctx.get_parameter_source("alarm_minutes") is COMMANDLINE
    if no_alarm and typed:
        raise click.UsageError("--no-alarm and --alarm-minutes contradict each other; use one")

    options = ExportOptions(
        paper=paper,  # type: ignore[arg-type]
        pdf_variant=pdf_variant.strip().lower() if pdf_variant else None,
        # Absolute, so batch workers started elsewhere (Dask) find the same file.
        clinic_file=clinic_file.resolve() if clinic_file else None,
        ics_include_details=ics_details,
        ics_alarm_minutes=None if no_alarm else alarm_minutes,
    )
    # Before any work: a broken clinic file found by the first batch worker would fail
    # every row (and withdraw every patient's earlier handout) instead of stopping once.
    check_export_options(options)
    return options
