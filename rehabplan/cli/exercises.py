"""``rehabplan exercises``: browse and check the exercise library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rehabplan.cli import reports_input_errors
from rehabplan.vocab import Condition, Equipment, Phase, Region


def _choice(enum: type) -> click.Choice:
    return click.Choice([e.value for e in enum], case_sensitive=False)


@click.group()
def exercises() -> None:
    """List, show and validate the exercise library."""


@exercises.command("list")
@click.option("--region", type=_choice(Region), help="Only exercises for this body region.")
@click.option("--phase", type=_choice(Phase), help="Only exercises suited to this phase.")
@click.option(
    "--equipment",
    "equipment",
    multiple=True,
    type=_choice(Equipment),
    help="Equipment the patient has (repeatable); household items are always assumed.",
)
@click.option(
    "--safe-for", type=_choice(Condition), help="Leave out exercises contraindicated for this."
)
@click.option("--json", "as_json", is_flag=True, help="Print every field as JSON.")
@click.option("--dir", "root", type=click.Path(path_type=Path), help="Another library folder.")
@reports_input_errors
def list_(
    region: str | None,
    phase: str | None,
    equipment: tuple[str, ...],
    safe_for: str | None,
    as_json: bool,
    root: Path | None,
) -> None:
    """List exercises as a table (or JSON), optionally filtered."""
    from rehabplan.library import default_library, load_library
    from rehabplan.vocab import HOUSEHOLD

    lib = load_library(root) if root else default_library()
    have = None
    if equipment:
        have = HOUSEHOLD | {Equipment(e) for e in equipment}
    chosen = lib.filter(
        region=Region(region) if region else None,
        phase=Phase(phase) if phase else None,
        equipment=have,
        safe_for=Condition(safe_for) if safe_for else None,
    )
    if as_json:
        payload = [ex.model_dump(mode="json") for ex in chosen]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    _print_table(chosen)


def _print_table(chosen: list) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(chosen)} exercises", title_justify="left")
    for col in ("id", "name", "type", "regions", "phases", "equipment"):
        table.add_column(col, overflow="fold")
    for ex in chosen:
        table.add_row(
            ex.id,
            ex.name,
            ex.type.value,
            ", ".join(r.value for r in ex.regions),
            ", ".join(p.value for p in ex.phases),
            ", ".join(e.value for e in ex.equipment) or "-",
        )
    Console(soft_wrap=False).print(table)


@exercises.command("show")
@click.argument("exercise_id")
@click.option("--dir", "root", type=click.Path(path_type=Path), help="Another library folder.")
@reports_input_errors
def show(exercise_id: str, root: Path | None) -> None:
    """Show one exercise as a readable card."""
    from rehabplan.cli import fail
    from rehabplan.library import default_library, load_library

    lib = load_library(root) if root else default_library()
    if exercise_id not in lib:
        import difflib

        close = difflib.get_close_matches(exercise_id, list(lib.exercises), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        fail(f"no exercise with id {exercise_id!r}.{hint} (see: rehabplan exercises list)")
    ex = lib.get(exercise_id)
    out = [click.style(ex.name, bold=True) + f"  ({ex.id})", ex.summary, ""]
    out.append(f"Type: {ex.type.value} · {ex.laterality.value}")
    out.append(f"Works: {', '.join(r.value.replace('_', ' ') for r in ex.regions)}")
    out.append(f"Equipment: {', '.join(e.value for e in ex.equipment) or 'none'}")
    out.append("")
    out.append(click.style("Dose", bold=True))
    for phase in ex.phases:
        d = ex.dose[phase]
        extra = f", rest {d.rest_s} s" if d.rest_s else ""
        out.append(f"  {phase.value:<14} {d.describe()}{extra}, {d.per_week}× a week")
    if ex.loading:
        # How each kit adds load; the planner picks the one the patient has.
        out += ["", click.style("Making it heavier", bold=True)]
        out += [f"  {kit.value:<14} {how}" for kit, how in ex.loading.items()]
    out.append("")
    out.append(click.style("How to do it", bold=True))
    out += [f"  {i}. {step}" for i, step in enumerate(ex.instructions, 1)]
    if ex.cues:
        out += ["", click.style("Cues", bold=True), *(f"  • {c}" for c in ex.cues)]
    if ex.mistakes:
        out += ["", click.style("Common mistakes", bold=True), *(f"  • {m}" for m in ex.mistakes)]
    out += ["", click.style("Pain rule", bold=True), f"  {ex.pain_rule}"]
    if ex.contraindications:
        out += ["", click.style("Not for", bold=True)]
        out += [f"  • {c.condition.value}: {c.reason}" for c in ex.contraindications]
    if ex.regression or ex.progression:
        out.append("")
        if ex.regression:
            out.append(f"Easier: {ex.regression}")
        if ex.progression:
            out.append(f"Harder: {ex.progression}")
    click.echo("\n".join(out))


@exercises.command("alternatives")
@click.argument("exercise_id")
@click.option(
    "--profile",
    "profile_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The runner's profile: their condition, kit and restrictions decide.",
)
@click.option("--phase", type=_choice(Phase), default="strengthening", show_default=True)
@reports_input_errors
def alternatives(exercise_id: str, profile_path: Path, phase: str) -> None:
    """What EXERCISE_ID may be swapped for, for this runner, and why the others may not.

    \b
    Use an id from the first list in the profile's adjustments:
      - {exercise: split_squat, action: swap, to: step_up}
    """
    from rehabplan.cli import fail
    from rehabplan.library import default_library
    from rehabplan.planning.adjustments import alternatives as find
    from rehabplan.planning.context import Context
    from rehabplan.profile_io import read_profile
    from rehabplan.protocol import default_protocol

    lib = default_library()
    if exercise_id not in lib:
        fail(f"no exercise {exercise_id!r} in the library (see rehabplan exercises list)")
    profile = read_profile(profile_path)
    ctx = Context(profile, lib, default_protocol())
    safe, excluded = find(ctx, exercise_id, Phase(phase))
    click.echo(f"Instead of {lib.get(exercise_id).name} ({exercise_id}), {phase}:")
    for ex in safe:
        click.echo(f"  {ex.id:<36} {ex.name}")
    if not safe:
        click.echo("  (nothing of the same kind is safe for this runner)")
    if excluded:
        click.echo("Not for this runner:")
        for ex, reason in excluded:
            click.echo(f"  {ex.id:<36} {reason}")


@exercises.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def validate(directory: Path | None) -> None:
    """Check every exercise file (and protocol.yaml) in DIRECTORY; exit 2 listing every error."""
    from rehabplan.cli import fail
    from rehabplan.errors import InputError
    from rehabplan.library import load_library
    from rehabplan.paths import exercises_dir
    from rehabplan.protocol import load_protocol

    root = directory or exercises_dir()
    problems = []
    count = 0
    try:
        count = len(load_library(root))
    except InputError as e:
        problems += e.problems
    protocol = Path(root) / "protocol.yaml"
    if protocol.exists():
        try:
            load_protocol(protocol)
        except InputError as e:
            problems += e.problems
    if problems:
        click.secho(f"{len(problems)} problem(s) in {root}:", err=True, fg="red")
        fail(InputError(problems))
    extra = " and protocol.yaml" if protocol.exists() else ""
    click.echo(f"ok: {count} exercises{extra} in {root} are valid")
