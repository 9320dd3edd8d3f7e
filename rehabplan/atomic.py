"""Atomic file output: a reader sees the old file or the new one, never half of either.

Write to a temporary file in the same directory, flush and fsync it, then ``os.replace`` —
the rename is atomic on POSIX, so a SIGKILL mid-write leaves at most a stray ``.tmp``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_all(files: dict[Path, bytes], *, remove: tuple[Path, ...] = ()) -> None:
    """Write several files as one step: all of them, or (on an error) none of them.

    Every file is first written and fsynced to a temp file beside its target; only when all
    are on disk are they renamed into place, and only then are the ``remove`` paths
    (outputs the new ones supersede) deleted. A full disk or a missing permission while
    writing leaves the folder exactly as it was.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    for path in remove:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_stale_temps(directory: Path) -> int:
    """Remove temp files a killed run left behind; returns how many."""
    removed = 0
    for tmp in Path(directory).glob(".*.tmp"):
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed
