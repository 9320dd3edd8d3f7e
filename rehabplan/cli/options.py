"""Command-line options shared by ``plan``, ``checkin`` and ``batch``: how the handout and
calendar look.

One decorator so a single patient and a clinic batch can never drift apart in what they
accept. Only click is imported here: these run when the CLI module loads, and ``--help``
must stay instant.

A plan records the settings it was written with (``Plan.export``); ``plan`` and ``checkin``
on that folder start from them, and only options typed on the command line change them, so
``--no-alarm`` or ``--paper letter`` stay in force across check-ins and re-plans.
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
    """Add --paper, --pdf-variant, --clinic/--no-clinic, --ics-details/--no-ics-details,
    --alarm-minutes and --no-alarm."""
    options = [
        click.option(
            "--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True
        ),
        click.option(
            "--pdf-variant",
            metavar="VARIANT",
            help="e.g. pdf/ua-1 for tagged, accessible PDFs ('none': a plain PDF).",
        ),
        click.option(
            "--clinic",
            "clinic_file",
            type=click.Path(path_type=Path, exists=True, dir_okay=False),
            help="YAML with the clinic's name, contact lines and logo for the handout cover.",
        ),
        click.option(
            "--no-clinic", is_flag=True, help="No clinic on the cover (drops a recorded --clinic)."
        ),
        click.option(
            "--ics-details/--no-ics-details",
            default=False,
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
    no_clinic: bool,
    ics_details: bool,
    alarm_minutes: int,
    no_alarm: bool,
    recorded: Any = None,
) -> Any:
    """The ``pipeline.ExportOptions`` those options describe (imported late: it is not light).

    ``recorded``: the ``ExportSettings`` of the plan being re-made; every option not typed
    on the command line keeps its recorded value.
    """
    from rehabplan.errors import InputError, Problem
    from rehabplan.pipeline import ExportOptions, check_export_options

    ctx = click.get_current_context(silent=True)

    def typed(name: str) -> bool:
        return ctx is not None and ctx.get_parameter_source(name) is COMMANDLINE

    if no_alarm and typed("alarm_minutes"):
        raise click.UsageError("--no-alarm and --alarm-minutes contradict each other; use one")
    if no_clinic and clinic_file is not None:
        raise click.UsageError("--no-clinic and --clinic contradict each other; use one")

    variant = pdf_variant.strip().lower() if pdf_variant else None
    if variant == "none":
        variant = None
    chosen: dict[str, Any] = {
        "paper": paper,
        "pdf_variant": variant,
        # Absolute, so batch workers started elsewhere (Dask) find the same file.
        "clinic_file": clinic_file.resolve() if clinic_file else None,
        "ics_include_details": ics_details,
        "ics_alarm_minutes": None if no_alarm else alarm_minutes,
    }
    if recorded is not None:
        given = {
            "paper": typed("paper"),
            "pdf_variant": typed("pdf_variant"),
            "clinic_file": typed("clinic_file") or no_clinic,
            "ics_include_details": typed("ics_details"),
            "ics_alarm_minutes": typed("alarm_minutes") or no_alarm,
        }
        for name, was_typed in given.items():
            if not was_typed:
                chosen[name] = getattr(recorded, name)
        if not given["clinic_file"] and recorded.clinic_file:
            kept = Path(recorded.clinic_file)
            if not kept.is_file():
                raise InputError([Problem("--clinic", "", f"the clinic file this plan was made "
                                          f"with, {kept}, is gone; pass --clinic FILE or "
                                          "--no-clinic")])  # fmt: skip
            chosen["clinic_file"] = kept
    options = ExportOptions(**chosen)
    # Before any work: a broken clinic file found by the first batch worker would fail
    # every row (and withdraw every patient's earlier handout) instead of stopping once.
    check_export_options(options)
    return options
