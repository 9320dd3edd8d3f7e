"""``rehabplan checkin``: log how a session went, apply the pain rules and re-plan from tomorrow."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import click

from rehabplan.cli import reports_input_errors
from rehabplan.cli.options import export_options, export_settings
from rehabplan.errors import EXIT_RED_FLAGS
from rehabplan.vocab import RedFlag


@click.command()
@click.argument("profile_path", metavar="PROFILE", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The folder holding the runner's plan.json (from rehabplan plan).",
)
@click.option(
    "--date",
    "date_text",
    required=True,
    metavar="YYYY-MM-DD",
    help="Date of the session you are reporting.",
)
@click.option("--status", type=click.Choice(["done", "skipped"]), required=True)
@click.option("--pain-during", type=int, help="Worst knee pain during the session, 0–10.")
@click.option("--pain-next-morning", type=int, help="Knee pain the next morning, 0–10.")
@click.option("--swelling", is_flag=True, help="The knee swelled up more after the session.")
@click.option(
    "--red-flag",
    "red_flags",
    multiple=True,
    type=click.Choice([f.value for f in RedFlag]),
    help="A warning sign (repeatable); any one stops the plan.",
)
@click.option(
    "--session",
    "session_uid",
    metavar="UID",
    help="The session's UID when there were several that day.",
)
@click.option("--note", help="Anything else worth telling your clinician.")
@export_options
@reports_input_errors
def checkin(
    profile_path: Path,
    out_dir: Path,
    date_text: str,
    status: str,
    pain_during: int | None,
    pain_next_morning: int | None,
    swelling: bool,
    red_flags: tuple[str, ...],
    session_uid: str | None,
    note: str | None,
    **export: object,
) -> None:
    """Record how a session went and update the plan from the next day on.

    The handout and calendar are written again with the settings the plan was made with
    (paper, PDF variant, clinic, reminders, details); options given here change them.

    \b
    Exit codes: 0 plan updated; 2 invalid input (nothing written);
    3 a red flag was reported (a referral is written, the plan stops);
    4 the output could not be written (the folder is left as it was).
    """
    from pydantic import ValidationError

    from rehabplan import checkin_log
    from rehabplan.cli import fail
    from rehabplan.cli._common import check_exporters, formats_in, parse_date, referral_summary
    from rehabplan.errors import InputError, Problem
    from rehabplan.library import default_library
    from rehabplan.pipeline import read_previous, write_plan, write_stopped
    from rehabplan.profile_io import read_profile
    from rehabplan.progression import CheckIn, Decision, explain, replan, stopped_plan
    from rehabplan.protocol import default_protocol
    from rehabplan.validation import problems_from

    day = parse_date(date_text, "--date")
    assert day is not None
    profile = read_profile(profile_path)
    previous = read_previous(out_dir)
    if (out_dir / "referral.json").is_file():
        # Stopped by a warning sign (or referred at assessment): no more training advice
        # until a clinician has seen the knee and a new plan is made.
        fail(
            f"the plan in {out_dir} is stopped: a warning sign was reported, see "
            f"{out_dir / 'referral.json'}. Once a clinician has seen the knee, make a new "
            "plan with rehabplan plan.",
            EXIT_RED_FLAGS,
        )
    if previous is None:
        raise InputError(
            [
                Problem(
                    str(out_dir / "plan.json"),
                    "",
                    "no readable plan here; run rehabplan plan first",
                )
            ]
        )
    if previous.patient_id != profile.patient_id:
        raise InputError([Problem(str(profile_path), "patient_id",
                                  f"is {profile.patient_id!r} but the plan in {out_dir} is for "
                                  f"{previous.patient_id!r}")])  # fmt: skip
    try:
        entry = CheckIn(
            session_uid=session_uid,
            date=day,
            status=status,  # type: ignore[arg-type]
            pain_during=pain_during,
            pain_next_morning=pain_next_morning,
            swelling=swelling,
            red_flags=[RedFlag(f) for f in red_flags],
            note=note,
        )
    except ValidationError as e:
        problems = problems_from(e, "check-in")
        raise InputError(
            [Problem(p.source, "--" + p.field.replace("_", "-"), p.message) for p in problems]
        ) from None
    problems = []
    sessions = [s for s in previous.sessions if s.uid == session_uid or
                (session_uid is None and s.date == day)]  # fmt: skip
    if not sessions and not entry.red_flags:
        where = f"with UID {session_uid}" if session_uid else f"on {day.isoformat()}"
        problems.append(Problem("check-in", "--session" if session_uid else "--date",
                                f"no session {where} in the plan"))  # fmt: skip
    if entry.status == "done" and entry.pain_during is None and not entry.red_flags:
        # Progression is decided by pain: a done session without it would count as painless.
        problems.append(Problem("check-in", "--pain-during",
                                "is required with --status done (0-10; 0 if it did not "
                                "hurt)"))  # fmt: skip
    if problems:
        raise InputError(problems)
    formats = formats_in(out_dir)
    check_exporters(formats)
    options = export_settings(**export, recorded=previous.export)  # type: ignore[arg-type]
    # DTSTAMP of the calendar written now: the clock is read here, at the edge.
    options = replace(options, generated_at=dt.datetime.now(dt.UTC))

    log = checkin_log.path_in(out_dir)
    history = checkin_log.read(log)
    history.append(entry)
    library, protocol = default_library(), default_protocol()
    result = replan(profile, library, protocol, previous, history, day + dt.timedelta(days=1))
    if result.decision is Decision.STOP and result.referral is not None:
        # Like a re-plan, the stop takes effect the day after the reported session.
        stopped = stopped_plan(previous, day + dt.timedelta(days=1))
        files = write_stopped(stopped, result.referral, out_dir, formats, options)
        checkin_log.write(log, history)  # after the outputs: a failed write leaves no trace
        click.echo(explain(result.decision))
        click.echo(referral_summary(result.referral, files))
        sys.exit(EXIT_RED_FLAGS)
    assert result.plan is not None
    write_plan(result.plan, out_dir, formats, options, library)
    checkin_log.write(log, history)
    click.echo(explain(result.decision))
    upcoming = [s for s in result.plan.sessions if s.date > day][:3]
    if upcoming:
        click.echo("Next sessions:")
        for s in upcoming:
            click.echo(f"  {s.date:%a %d %b} {s.start_time}  {s.title}")
