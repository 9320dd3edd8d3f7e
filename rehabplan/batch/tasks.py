"""What travels between the batch driver and its workers, and how "unchanged" is decided.

A task carries everything one patient needs as plain, picklable data, so the same function
runs in a local process pool and on a Dask worker on another machine. The input hash decides
whether a finished patient may be skipped on a re-run: it covers the validated profile and
everything else that shapes the output (formats, options, start date, rehabplan version and
the exercise library, protocol and templates it was made with).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rehabplan import __version__
from rehabplan.models.profile import Profile
from rehabplan.pipeline import ExportOptions

Status = Literal["done", "referred", "failed", "skipped-unchanged"]


@dataclass(frozen=True)
class PatientTask:
    row: int
    source: str
    """``patients.csv, row 7``: used in every message about this patient."""
    patient_id: str
    profile: Profile
    """The validated profile (pickled to workers; hashed as the model's own JSON)."""
    out_root: str
    formats: tuple[str, ...]
    options: ExportOptions
    input_hash: str
    start: str | None = None
    """ISO date the plan starts when the row has no start_date (--start, else today)."""
    force: bool = False
    run_id: str = ""
    """This batch run: a retry (after its worker died) that finds its own run's finished
    files reports them as made, not as "unchanged since an earlier run"."""


@dataclass(frozen=True)
class PatientResult:
    row: int
    patient_id: str | None
    status: Status
    reason: str = ""
    problems: tuple[tuple[str, str], ...] = ()
    """(field, message) pairs for a failed row, fields dotted as in the profile."""
    files: tuple[str, ...] = ()
    """Written files, relative to the batch output folder (``P-0042/handout.pdf``)."""
    previous_status: str | None = None
    """For a skipped patient: what the earlier run produced (done or referred)."""
    seconds: float = 0.0
    worker: dict[str, int | float] = field(default_factory=dict)
    """pid and resident memory of the process that made it (for memory monitoring)."""
    attempts: int = 1


def _tree_digest(root: Path | None) -> str:
    """Hash of every file under ``root`` (names and bytes): a changed template or exercise
    regenerates every handout made with the old one."""
    h = hashlib.sha256()
    if root is None or not root.is_dir():
        h.update(b"<missing>")
        return h.hexdigest()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.name.startswith("."):
            continue
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _options_view(options: ExportOptions) -> dict[str, object]:
    view: dict[str, object] = {}
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if isinstance(value, Path):
            content = value.read_bytes() if value.is_file() else b""
            value = {"path": str(value), "sha256": hashlib.sha256(content).hexdigest()}
        view[f.name] = value
    return view


def context_digest(formats: tuple[str, ...], options: ExportOptions, start: str | None) -> str:
    """Everything except the profile that determines a patient's output, hashed once per batch."""
    from rehabplan.paths import exercises_dir, templates_dir

    def maybe(fn) -> Path | None:
        try:
            return fn()
        except FileNotFoundError:
            return None

    context = {
        "rehabplan": __version__,
        "formats": sorted(formats),
        "options": _options_view(options),
        "start": start,
        "exercises": _tree_digest(maybe(exercises_dir)),
        "templates": _tree_digest(maybe(templates_dir)),
    }
    return hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode()).hexdigest()


def input_hash(context: str, profile: Profile) -> str:
    """The hash a re-run compares: the batch context plus the profile's canonical JSON."""
    return hashlib.sha256(f"{context}\n{profile.model_dump_json()}".encode()).hexdigest()
