"""``rehabplan plan``: one runner's profile → plan.json, handout and calendar (or a referral)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from rehabplan.cli import reports_input_errors
from rehabplan.cli.options import export_options, export_settings
from rehabplan.errors import EXIT_RED_FLAGS


@click.command()
@click.argument("profile_path", metavar="PROFILE", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for plan.json, handout.pdf and plan.ics (created if missing).",
)
@click.option(
    "--start",
    "start",
    metavar="YYYY-MM-DD",
    help="First day of the plan (default: the profile's start_date, else today "
    "in the profile's time zone).",
)
@click.option(
    "--format",
    "formats",
    default="json,pdf,ics",
    show_default=True,
    help="Comma-separated outputs: pdf, ics, json, html.",
)
@export_options
@reports_input_errors
def plan(
    profile_path: Path,
    out_dir: Path,
    start: str | None,
    formats: str,
    **export: object,
) -> None:
    """Make a personalised, dated plan from one runner's PROFILE (YAML or JSON).

    \b
    Exit codes: 0 plan written; 2 invalid input (nothing written);
    3 red flags found (a referral is written instead of a plan);
    4 the output could not be written (the folder is left as it was).
    """
    from rehabplan.cli._common import (
        check_exporters,
        parse_date,
        plan_summary,
        referral_summary,
    )
    from rehabplan.pipeline import parse_formats, run
    from rehabplan.profile_io import read_profile

    wanted = parse_formats(formats)
    start_date = parse_date(start, "--start")
    profile = read_profile(profile_path)
    check_exporters(wanted)
    if start_date is None and profile.start_date is None:
        # The only clock in planning: "today" where the runner lives.
        start_date = dt.datetime.now(profile.zone).date()
    options = export_settings(**export)  # type: ignore[arg-type]
    outcome = run(profile, out_dir, formats=wanted, start=start_date, options=options)
    for warning in outcome.warnings:
        click.secho(f"warning: {profile_path}: {warning}", err=True, fg="yellow")
    if outcome.status == "referred" and outcome.referral is not None:
        click.echo(referral_summary(outcome.referral, outcome.files))
        sys.exit(EXIT_RED_FLAGS)
    assert outcome.plan is not None
    click.echo(plan_summary(outcome.plan, outcome.files))
