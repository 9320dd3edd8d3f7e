"""Fixtures for batch tests: writing clinic files the way spreadsheets and exports do."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

HEADER = [
    "patient_id", "name", "age", "side", "condition", "factors",
    "pain_rest", "pain_running", "pain_daily", "red_flags",
    "start_date", "timezone", "availability_days", "availability_time",
    "equipment", "cross_training", "baseline_weekly_km", "goal_weekly_km", "units", "language",
]  # fmt: skip

GOOD = {
    "patient_id": "P-001",
    "name": "Zoë Brontë",
    "age": "34",
    "side": "left",
    "condition": "pes_anserine_bursitis",
    "factors": "overuse;muscle_imbalance",
    "pain_rest": "1",
    "pain_running": "5",
    "pain_daily": "2",
    "red_flags": "",
    "start_date": "2026-03-02",
    "timezone": "Europe/Madrid",
    "availability_days": "mon;wed;fri",
    "availability_time": "07:30",
    "equipment": "band",
    "cross_training": "bike;pool",
    "baseline_weekly_km": "30",
    "goal_weekly_km": "35",
    "units": "km",
    "language": "es",
}

CONDITIONS = [
    "pes_anserine_bursitis", "mcl_sprain_grade_1", "mcl_sprain_grade_2",
    "medial_meniscus_irritation", "medial_knee_osteoarthritis", "patellofemoral_pain",
    "nonspecific_medial_knee_pain",
]  # fmt: skip
ZONES = ["Europe/Madrid", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Europe/Berlin"]
DAYS = ["mon;wed;fri", "tue;thu;sat", "mon;tue;thu;sun", "wed;sat", "mon;wed;fri;sun"]


def row(**changes: str) -> dict[str, str]:
    """A valid CSV row (every cell text) with some cells changed."""
    return {**GOOD, **changes}


def varied(n: int, prefix: str = "P") -> list[dict[str, str]]:
    """``n`` valid, different rows: conditions, zones, days and pain vary deterministically."""
    return [
        row(
            patient_id=f"{prefix}{i:04d}",
            name=f"Patient {i} Ñandú",
            condition=CONDITIONS[i % len(CONDITIONS)],
            timezone=ZONES[i % len(ZONES)],
            availability_days=DAYS[i % len(DAYS)],
            pain_running=str(2 + i % 5),
            side=["left", "right", "both"][i % 3],
        )
        for i in range(n)
    ]


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    bom: bool = False,
    header: list[str] | None = None,
) -> Path:
    header = header or (list(rows[0]) if rows else HEADER)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: r.get(k, "") for k in header})
    path.write_bytes(("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8"))
    return path


def profile(**changes: object) -> dict:
    """A valid JSONL profile object (the same fields as a YAML profile)."""
    base = {
        "patient_id": "J-001",
        "name": "Łukasz Żółć",
        "age": 45,
        "side": "right",
        "condition": "medial_knee_osteoarthritis",
        "factors": ["arthritis"],
        "pain": {"rest": 2, "running": 4, "daily": 3},
        "start_date": "2026-10-19",
        "timezone": "Europe/Warsaw",
        "availability": {"days": ["tue", "thu", "sat"], "time": "18:15"},
        "equipment": ["dumbbells"],
        "cross_training": ["elliptical"],
        "baseline_weekly_km": 25,
        "goal_weekly_km": 25,
        "language": "pl",
    }
    return {**base, **changes}


def write_jsonl(path: Path, lines: list[object]) -> Path:
    text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def report(out: Path) -> dict:
    return json.loads((out / "batch-report.json").read_text(encoding="utf-8"))


def by_row(rep: dict) -> dict[int, dict]:
    return {r["row"]: r for r in rep["rows"]}


def have_exporters() -> bool:
    return all(find_spec(m) for m in ("rehabplan.export.pdf", "rehabplan.export.ics"))


def batch_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "rehabplan", "batch", *map(str, args)]


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1", "COLUMNS": "200"}


def run_batch_cli(
    *args: object, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        batch_cmd(*args),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**cli_env(), **(env or {})},
    )


class Helpers:
    """Handed to tests as the ``bx`` fixture (conftest modules are not importable by name)."""

    HEADER = HEADER
    row = staticmethod(row)
    varied = staticmethod(varied)
    write_csv = staticmethod(write_csv)
    profile = staticmethod(profile)
    write_jsonl = staticmethod(write_jsonl)
    report = staticmethod(report)
    by_row = staticmethod(by_row)
    have_exporters = staticmethod(have_exporters)
    batch_cmd = staticmethod(batch_cmd)
    cli_env = staticmethod(cli_env)
    run = staticmethod(run_batch_cli)


@pytest.fixture
def bx() -> type[Helpers]:
    return Helpers
