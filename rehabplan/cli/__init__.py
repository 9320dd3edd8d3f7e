"""The ``rehabplan`` command. One entry point; each sub-command lives in its own module.

Sub-command modules are imported lazily (click's ``LazyGroup`` pattern) so ``rehabplan
--help`` never pays for pydantic models, Jinja2 or WeasyPrint it does not use.
"""

from __future__ import annotations

import errno
import importlib
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

from rehabplan import __version__
from rehabplan.errors import EXIT_INVALID, EXIT_OUTPUT, InputError, OutputError

F = TypeVar("F", bound=Callable[..., Any])

# name → (module, attribute, one-line help shown by --help without importing the module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "plan": ("rehabplan.cli.plan", "plan", "Make a personalised plan from one runner's profile."),
    "exercises": ("rehabplan.cli.exercises", "exercises", "List, show and validate exercises."),
    "batch": ("rehabplan.cli.batch", "batch", "Generate handouts for many patients (CSV/JSONL)."),
    "checkin": ("rehabplan.cli.checkin", "checkin", "Log how a session went and re-plan."),
    "serve": ("rehabplan.cli.serve", "serve", "Run the web app: feeds, check-ins, clinician UI."),
    "user": ("rehabplan.cli.serve", "user", "Manage clinician accounts for the web app."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (mod, _, _) in COMMANDS.items() if _module_exists(mod)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        if not _module_exists(module):
            return None
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def fail(problems_or_message: InputError | str, code: int = EXIT_INVALID) -> NoReturn:
    """Print a user-facing error (never a traceback) and exit with a documented code."""
    if isinstance(problems_or_message, InputError):
        for problem in problems_or_message.problems:
            click.secho(f"error: {problem}", err=True, fg="red")
    else:
        click.secho(f"error: {problems_or_message}", err=True, fg="red")
    sys.exit(code)


def reports_input_errors(func: F) -> F:
    """InputError → exit 2 with every problem listed; OutputError → exit 4, one line."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as e:
            fail(e)
        except OutputError as e:
            fail(e.message, EXIT_OUTPUT)

    return wrapper  # type: ignore[return-value]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rehabplan")
def cli() -> None:
    """Rehabilitation plans for runners with inner (medial) knee pain.

    \b
    Exit codes: 0 ok; 1 some rows of a batch failed; 2 invalid input (the
    message names the file, row and field); 3 red flags found (a referral
    is written instead of a plan); 4 the output could not be written (the
    output folder is left as it was).
    """


def main() -> None:
    try:
        cli(prog_name="rehabplan")
    except OSError as e:
        # Writing to stdout failed (a full disk behind `> file`, a closed pipe): one line
        # and the output exit code, not a traceback. Files are handled where they are
        # written (OutputError); this is the terminal's share.
        if e.errno == errno.EPIPE:
            sys.exit(0)  # `rehabplan exercises list | head`: the reader had enough
        print(f"error: cannot write the output: {e.strerror or e}", file=sys.stderr)
        sys.exit(EXIT_OUTPUT)
