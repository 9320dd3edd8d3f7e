"""Errors that reach the user, and the exit codes the CLI documents.

Every problem with input is reported as a :class:`Problem` naming where it is (file, row,
field) and what was expected, so a physiotherapist can fix the file without reading a
traceback. Several problems are collected and shown together rather than one per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_INVALID = 2
EXIT_RED_FLAGS = 3
EXIT_OUTPUT = 4


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    source: str
    """File name (and row, for batch input), e.g. ``patients.csv, row 4``."""
    field: str
    """Dotted field path, e.g. ``pain.running``; empty when the problem is the whole file."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.message}"


class InputError(Exception):
    """Input that cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(Exception):
    """The outputs could not be written (folder is a file, no permission, disk full).

    Raised only after everything was rendered and before anything was renamed into place,
    so the output folder is left as it was.
    """

    def __init__(self, path: object, error: OSError):
        reason = error.strerror or str(error)
        where = error.filename or path
        self.message = f"cannot write the output to {where}: {reason}"
        super().__init__(self.message)
