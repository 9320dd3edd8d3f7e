"""An installed (non-editable) wheel finds its templates and exercises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_installed_wheel_carries_its_data(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("rehabplan-*.whl"))
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    # Run from an empty folder so nothing resolves through the checkout.
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run(
        [sys.executable, "-c",
         "import rehabplan, rehabplan.paths as p; print(rehabplan.__file__); "
         "print(p.exercises_dir()); print(p.templates_dir())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    module, exercises, templates = probe.stdout.split()
    for path in (module, exercises, templates):
        assert Path(path).is_relative_to(target), path
    assert (Path(exercises) / "protocol.yaml").is_file()
    assert list(Path(exercises).glob("illustrations/*.svg"))
    assert list(Path(templates).iterdir())
    validate = subprocess.run(
        [sys.executable, "-m", "rehabplan", "exercises", "validate"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert validate.returncode == 0, validate.stderr
    assert str(target) in validate.stdout
