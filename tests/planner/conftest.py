"""Fixtures for the planner area: a valid profile mapping to vary, and the example files."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

BASE_PROFILE = {
    "patient_id": "T-001",
    "name": "Zoë O'Brien",
    "age": 34,
    "side": "left",
    "condition": "pes_anserine_bursitis",
    "factors": ["overuse"],
    "pain": {"rest": 1, "running": 4, "daily": 2},
    "start_date": "2026-03-02",
    "timezone": "Europe/Madrid",
    "availability": {"days": ["mon", "wed", "fri", "sat"], "time": "07:30"},
    "equipment": ["band"],
    "cross_training": ["bike"],
    "baseline_weekly_km": 30,
    "goal_weekly_km": 30,
    "units": "km",
}


@pytest.fixture
def base_profile() -> dict:
    """A fresh copy of a valid profile mapping that a test may change."""
    return copy.deepcopy(BASE_PROFILE)


@pytest.fixture
def make_profile(base_profile):
    """Build a Profile from the base mapping with top-level fields replaced."""
    from rehabplan.profile_io import profile_from_mapping

    def make(**changes):
        data = {**base_profile, **changes}
        return profile_from_mapping(data, "test-profile")

    return make


@pytest.fixture(scope="session")
def invariants():
    """The plan rules in tests/planner/invariants.py (loaded by path: importlib import mode)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "planner_invariants", Path(__file__).with_name("invariants.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
