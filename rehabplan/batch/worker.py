"""The per-patient work, identical in a local process pool and on a Dask worker.

Each worker process loads the exercise library, the protocol, the templates and the PDF fonts
once (:func:`warm_up`) and then handles many patients. Per patient the order of writes is
what makes a batch resumable after SIGKILL:

1. remove the old completion manifest (from here on the folder counts as unfinished);
2. write every output atomically (``rehabplan.pipeline.run``);
3. remove outputs of an earlier run that no longer apply (a referral after a plan, a dropped
   format);
4. write the manifest ``.rehabplan-done.json`` with the input hash — last, atomically.

A re-run skips a patient only when the manifest's hash equals the new input hash and every
file it lists exists; anything else is regenerated from scratch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import re
import signal
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from rehabplan import __version__, atomic
from rehabplan.batch.tasks import PatientResult, PatientTask
from rehabplan.errors import InputError, OutputError
from rehabplan.models.profile import PATIENT_ID_PATTERN
from rehabplan.pipeline import PLAN_FILES, REFERRAL_FILES

MANIFEST = ".rehabplan-done.json"
OUTPUT_NAMES = frozenset((*PLAN_FILES, *REFERRAL_FILES))
"""Every file a patient's folder can hold besides the manifest (pipeline's lists)."""
_WARM: dict[str, Any] = {}


def warm_up(formats: tuple[str, ...] = ("pdf",), *, ignore_sigint: bool = False) -> None:
    """Load library, protocol, templates and fonts once per process (pool initializer).

    ``ignore_sigint``: pool workers leave Ctrl-C to the driver, which lets in-flight patients
    finish and reports them, instead of every worker dying mid-write with a traceback.
    """
    if ignore_sigint:  # and SIGTERM: a group-wide stop is the driver's to manage
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if _WARM.get("formats", set()) >= set(formats):
        return
    from rehabplan.library import default_library
    from rehabplan.protocol import default_protocol

    _WARM["library"] = default_library()
    _WARM["protocol"] = default_protocol()
    if ("pdf" in formats or "html" in formats) and find_spec("rehabplan.export.html"):
        import rehabplan.export.html  # noqa: F401  (Jinja environment is built at import)
    if "pdf" in formats and find_spec("rehabplan.export.pdf"):
        from rehabplan.export.pdf import render_pdf
        from rehabplan.pipeline import ExportOptions

        # One throwaway render builds the cached FontConfiguration and stylesheet.
        render_pdf("<html lang='en'><title>warm-up</title><p>rehabplan</p></html>", ExportOptions())
    _WARM["formats"] = _WARM.get("formats", set()) | set(formats)
    # What is loaded now lives as long as the worker: keep the cyclic garbage collector
    # from walking it again on every full collection (WeasyPrint allocates many objects).
    gc.freeze()


def patient_dir(out_root: Path, patient_id: str) -> Path:
    """The patient's output folder; refuses any id that could leave ``out_root``."""
    if not re.fullmatch(PATIENT_ID_PATTERN, patient_id):
        raise ValueError(f"unsafe patient_id for a folder name: {patient_id!r}")
    return Path(out_root) / patient_id


def withdraw(out_root: Path, patient_id: str) -> None:
    """Remove a patient's earlier outputs and manifest (their row now fails).

    An id that is not a safe folder name never had a folder, so there is nothing to do.
    """
    try:
        folder = patient_dir(Path(out_root), patient_id)
    except ValueError:
        return
    for name in (*OUTPUT_NAMES, MANIFEST):
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            (folder / name).unlink()


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _unchanged(folder: Path, manifest: dict[str, Any] | None, task: PatientTask) -> bool:
    if not manifest or manifest.get("input_hash") != task.input_hash:
        return False
    files = manifest.get("files")
    return isinstance(files, list) and all((folder / str(name)).is_file() for name in files)


def _memory() -> dict[str, int | float]:
    """This process's resident memory now and at its peak, in MiB (Linux /proc; else empty)."""
    info: dict[str, int | float] = {"pid": os.getpid()}
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key = "rss_mb" if line.startswith("VmRSS") else "peak_rss_mb"
                    info[key] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return info


def process_patient(task: PatientTask) -> PatientResult:
    """Make one patient's outputs (or skip them when unchanged); the unit of batch work.

    Input problems come back as a failed result (retrying cannot fix data). Anything
    unexpected is raised, so the local pool and Dask can retry it once and then report it.
    """
    from rehabplan.pipeline import run

    began = time.perf_counter()
    folder = patient_dir(Path(task.out_root), task.patient_id)
    if folder.is_dir():
        atomic.clean_stale_temps(folder)
    manifest = read_manifest(folder)
    if not task.force and _unchanged(folder, manifest, task):
        assert manifest is not None
        previous = str(manifest.get("status", ""))
        # A retry finding what this same run made (its worker died after writing) reports
        # it as made; only an earlier run's output is "unchanged".
        made_now = bool(task.run_id) and manifest.get("run_id") == task.run_id
        status = previous if made_now and previous in ("done", "referred") else "skipped-unchanged"
        return PatientResult(
            task.row,
            task.patient_id,
            status,  # type: ignore[arg-type]
            files=tuple(f"{task.patient_id}/{name}" for name in manifest["files"]),
            previous_status=previous,
            seconds=time.perf_counter() - began,
            worker=_memory(),
        )
    (folder / MANIFEST).unlink(missing_ok=True)

    warm_up(task.formats)
    start = dt.date.fromisoformat(task.start) if task.start else None
    try:
        outcome = run(
            task.profile,
            folder,
            formats=task.formats,
            start=start,
            options=task.options,
            library=_WARM["library"],
            protocol=_WARM["protocol"],
        )
    except InputError as e:
        withdraw(Path(task.out_root), task.patient_id)
        return PatientResult(
            task.row,
            task.patient_id,
            "failed",
            reason="; ".join(
                f"{p.field}: {p.message}" if p.field else p.message for p in e.problems
            ),
            problems=tuple((p.field, p.message) for p in e.problems),
            seconds=time.perf_counter() - began,
            worker=_memory(),
        )
    except OutputError as e:  # retrying a full disk or a read-only folder does not help
        return PatientResult(
            task.row,
            task.patient_id,
            "failed",
            reason=e.message,
            seconds=time.perf_counter() - began,
            worker=_memory(),
        )
    written = [Path(f).name for f in outcome.files]
    for stale in OUTPUT_NAMES - set(written):
        (folder / stale).unlink(missing_ok=True)
    status = "done" if outcome.status == "planned" else "referred"
    record = {
        "patient_id": task.patient_id,
        "row": task.row,
        "status": status,
        "files": written,
        "input_hash": task.input_hash,
        "run_id": task.run_id,
        "rehabplan": __version__,
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    atomic.write_text(folder / MANIFEST, json.dumps(record, indent=2) + "\n")
    return PatientResult(
        task.row,
        task.patient_id,
        status,
        files=tuple(f"{task.patient_id}/{name}" for name in written),
        seconds=time.perf_counter() - began,
        worker=_memory(),
    )
