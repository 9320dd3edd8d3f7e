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
@click.option(
    "--new-episode",
    is_flag=True,
    help="Start a new plan in a folder that holds this runner's plan (new calendar "
    "events; the old plan's events ahead are cancelled, its check-ins kept aside).",
)
@export_options
@reports_input_errors
def plan(
    profile_path: Path,
    out_dir: Path,
    start: str | None,
    formats: str,
    new_episode: bool,
    **export: object,
) -> None:
    """Make a personalised, dated plan from one runner's PROFILE (YAML or JSON).

    Run again on the same --out folder, it re-makes that plan: calendar events keep their
    identity, sessions that go away are cancelled in plan.ics, check-ins logged there keep
    their progress, and the handout and calendar settings used before stay unless given.

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
    from rehabplan.pipeline import parse_formats, read_previous, run
    from rehabplan.profile_io import read_profile

    wanted = parse_formats(formats)
    start_date = parse_date(start, "--start")
    profile = read_profile(profile_path)
    check_exporters(wanted)
    # The only clock in planning: "today" where the runner lives.
    today = dt.datetime.now(profile.zone).date()
    previous = read_previous(out_dir)
    if previous is not None and previous.patient_id != profile.patient_id:
        previous = None
    continuing = previous is not None and not new_episode
    if start_date is None and profile.start_date is None and not continuing:
        start_date = today  # a re-made plan keeps its first day (the pipeline sees to it)
    recorded = previous.export if previous is not None else None
    options = export_settings(**export, recorded=recorded)  # type: ignore[arg-type]
    outcome = run(profile, out_dir, formats=wanted, start=start_date, options=options,
                  new_episode=new_episode, today=today)  # fmt: skip
    for warning in outcome.warnings:
        click.secho(f"warning: {profile_path}: {warning}", err=True, fg="yellow")
    if outcome.status == "referred" and outcome.referral is not None:
        click.echo(referral_summary(outcome.referral, outcome.files))
        sys.exit(EXIT_RED_FLAGS)
    assert outcome.plan is not None
    if outcome.replanned_from is not None:
        click.echo(
            f"Kept the progress of {outcome.kept_checkins} check-in(s) logged in {out_dir}: "
            f"sessions before {outcome.replanned_from:%a %d %b %Y} stay as they were, the "
            "rest is planned from there.\n"
        )
    click.echo(plan_summary(outcome.plan, outcome.files))
