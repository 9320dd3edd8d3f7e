"""Kept handout parts on disk, shared by every process of the same user.

``shared_pages`` keeps rendered parts (exercise cards, advice…) in memory, but a
process starts empty: the physiotherapist's ``rehabplan plan`` runs once and exits, batch
workers are replaced every few dozen patients to keep memory flat, and a server runs
several processes. This store lets all of them reuse what any of them rendered, like a
compiler cache.

Layout under the root (``REHABPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/rehabplan``, else
``~/.cache/rehabplan``; ``REHABPLAN_CACHE_DIR=off`` turns it off)::

    parts-v2/<key[:2]>/<key>.json   what shared_pages.Entry holds, and the PDF's hash
    parts-v2/pdf/<sha256>.pdf       PDFs, each shared by the parts rendered together

Keys already cover the exact HTML, the stylesheet and WeasyPrint's version. Every file is
written atomically (``rehabplan.atomic``); a PDF is used only if its content still has the
hash in its name, and anything unreadable counts as a miss. The store is an optimisation
only: when it cannot be read or written (read-only home, full disk) handouts are made
exactly as without it. Past ``MAX_BYTES`` the oldest files are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from rehabplan import atomic

FORMAT = "parts-v2"
MAX_BYTES = 256 * 1024 * 1024
_PRUNE_EVERY = 200  # writes between two size checks


def default_root() -> Path | None:
    configured = os.environ.get("REHABPLAN_CACHE_DIR")
    if configured is not None:
        return (
            None
            if configured.strip().lower() in {"", "off", "0", "false", "no"}
            else Path(configured)
        )
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory (some service accounts): no store
            return None
    return Path(base) / "rehabplan"


class Store:
    """Parts on disk under ``root``; every method swallows I/O trouble (it is a cache)."""

    def __init__(self, root: Path) -> None:
        self.dir = root / FORMAT
        self._pdfs: dict[str, bytes] = {}  # loaded in this process, by hash
        self._writes = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> dict[str, Any] | None:
        """What ``put`` stored for ``key`` (with ``pdf`` as bytes), or None."""
        path = self._record(key)
        try:
            record = json.loads(path.read_text("utf-8"))
            digest = str(record["pdf"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            _remove(path)  # damaged: the part is rendered again and stored anew
            return None
        pdf = self._pdfs.get(digest)
        if pdf is None:
            pdf_path = self.dir / "pdf" / f"{digest}.pdf"
            try:
                pdf = pdf_path.read_bytes()
            except OSError:
                return None
            if hashlib.sha256(pdf).hexdigest() != digest:
                _remove(pdf_path)
                return None
            with self._lock:
                if len(self._pdfs) > 64:  # the in-memory cache holds what is in use
                    self._pdfs.clear()
                self._pdfs[digest] = pdf
        return {**record, "pdf": pdf}

    def put(self, items: list[tuple[bytes, dict[str, Any]]], pdf: bytes) -> None:
        """Store parts rendered together: ``items`` are (key, record) sharing ``pdf``."""
        digest = hashlib.sha256(pdf).hexdigest()
        try:
            pdf_path = self.dir / "pdf" / f"{digest}.pdf"
            if not pdf_path.exists():  # named by its content: one that exists is right
                atomic.write_bytes(pdf_path, pdf)
            for key, record in items:  # replaces a record that could not be used
                data = json.dumps({**record, "pdf": digest}, separators=(",", ":"))
                atomic.write_bytes(self._record(key), data.encode("utf-8"))
        except (OSError, ValueError, TypeError):
            return
        with self._lock:
            self._writes += 1
            prune = self._writes % _PRUNE_EVERY == 1
        if prune:
            self.prune()

    def prune(self, limit: int = MAX_BYTES) -> None:
        """Remove the least recently written files until the store is within ``limit``."""
        with contextlib.suppress(OSError):
            files = []
            for path in self.dir.rglob("*"):
                with contextlib.suppress(OSError):
                    info = path.stat()
                    if path.is_file():
                        files.append((info.st_mtime, info.st_size, path))
            total = sum(size for _, size, _ in files)
            for _, size, path in sorted(files, key=lambda f: f[0]):
                if total <= limit * 3 // 4:
                    break
                with contextlib.suppress(OSError):
                    path.unlink()
                    total -= size

    def _record(self, key: bytes) -> Path:
        name = key.hex()
        return self.dir / name[:2] / f"{name}.json"


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


_stores: dict[Path, Store] = {}


def store() -> Store | None:
    """The store for this process's configuration, or None when turned off."""
    root = default_root()
    if root is None:
        return None
    if root not in _stores:
        _stores[root] = Store(root)
    return _stores[root]
