"""The check-in log of a plan folder: ``checkins.jsonl``, one check-in per line, oldest first.

``rehabplan checkin`` appends to it and re-plans from it; ``rehabplan plan`` reads it so that
re-running a plan keeps the runner's progress instead of silently starting over.
"""

from __future__ import annotations

import json
from pathlib import Path

from rehabplan.errors import InputError, Problem

NAME = "checkins.jsonl"


def path_in(out_dir: Path) -> Path:
    return Path(out_dir) / NAME


def read(path: Path) -> list:
    """Every check-in in ``path`` (none when it does not exist); a bad line is an InputError."""
    from pydantic import ValidationError

    from rehabplan.progression import CheckIn

    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(CheckIn.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as e:
            raise InputError(
                [Problem(f"{path}, line {number}", "", f"is not a valid check-in ({e})")]
            ) from None
    return out


def encode(entries: list) -> bytes:
    return "".join(e.model_dump_json() + "\n" for e in entries).encode("utf-8")


def write(path: Path, entries: list) -> None:
    from rehabplan import atomic

    atomic.write_bytes(path, encode(entries))
