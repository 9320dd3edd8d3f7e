"""Fixtures shared by every test area (library, planner, export, batch, server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Kept handout parts (rehabplan/export/kept_store.py) go to a folder of this test session,
# never to the developer's ~/.cache; CLI subprocesses inherit it. Tests of the store set
# their own.
if "REHABPLAN_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["REHABPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="rehabplan-test-cache-")


@pytest.fixture(scope="session")
def library():
    from rehabplan.library import default_library

    return default_library()


@pytest.fixture(scope="session")
def protocol():
    from rehabplan.protocol import default_protocol

    return default_protocol()


@pytest.fixture
def run_cli(tmp_path):
    """Run the real ``rehabplan`` command in a subprocess, as a user would."""

    def run(
        *args: str, cwd: Path | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1", "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "rehabplan", *map(str, args)],
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )

    return run


def need_tool(name: str) -> str:
    """Path of a system tool, or skip the test naming the Debian package to install."""
    path = shutil.which(name)
    if not path:
        pkg = {"pdftotext": "poppler-utils", "pdftoppm": "poppler-utils"}.get(name, name)
        pytest.skip(f"{name} not installed (apt-get install {pkg}; `make test` does this)")
    return path
