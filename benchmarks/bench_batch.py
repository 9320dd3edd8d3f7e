"""Batch throughput and worker memory: ``rehabplan batch`` against a naive loop.

Measures, on this machine:

* handouts per second for 200 synthetic patients with ``--jobs 1`` and ``--jobs 2`` (wall
  time of the real command, interpreter start-up included), PDF only;
* peak resident memory (VmHWM) of each worker process, from ``batch-report.json``;
* every batch run starts with an empty store of kept handout parts (its own
  ``REHABPLAN_CACHE_DIR``), so the workers share only what that run renders;
* the naive loop: one process, per patient ``weasyprint.HTML(string=html).write_pdf()`` with
  WeasyPrint's defaults — a new font configuration per document and the system font instead
  of rehabplan's embedded one (the same definition as ``bench_handout.py``), timed half
  before and half after the batch runs so that drift in the machine's speed evens out;
* memory flatness over a long batch: worker RSS after each of 1,000 patients, compared
  between patient ~100 and patient ~1,000 (skipped with ``--quick``).

Goals (2-core machine): ``--jobs 2`` at least 5× the naive loop; worker RSS within 10 %
from patient 100 to patient 1,000.

    python benchmarks/bench_batch.py            # full run, several minutes
    python benchmarks/bench_batch.py --quick    # skip the 1,000-patient memory run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONDITIONS = [
    "pes_anserine_bursitis", "mcl_sprain_grade_1", "mcl_sprain_grade_2",
    "medial_meniscus_irritation", "medial_knee_osteoarthritis", "patellofemoral_pain",
    "nonspecific_medial_knee_pain",
]  # fmt: skip
FACTORS = ["overuse", "muscle_imbalance", "overpronation", "footwear", "previous_injury",
           "arthritis", "anatomical"]  # fmt: skip
DAYS = ["mon;wed;fri", "tue;thu;sat", "mon;tue;thu;sat", "wed;sun", "mon;wed;fri;sun",
        "mon;tue;wed;thu;fri;sat;sun"]  # fmt: skip
ZONES = ["Europe/Madrid", "America/New_York", "Asia/Tokyo", "Australia/Sydney",
         "Europe/Berlin", "America/Sao_Paulo", "Africa/Nairobi"]  # fmt: skip
EQUIPMENT = ["", "band", "band;dumbbells", "gym", "foam_roller;balance_pad", "kettlebell"]
CROSS = ["", "bike", "pool", "bike;pool", "elliptical"]
NAMES = ["Zoë Brontë", "María José Núñez", "Łukasz Żółć", "Søren Ødegård", "Amélie Poulain",
         "Kenji Tanaka", "Aroha Ngata", "François Müller"]  # fmt: skip
HEADER = [
    "patient_id", "name", "age", "side", "condition", "factors", "pain_rest", "pain_running",
    "pain_daily", "start_date", "timezone", "availability_days", "availability_time",
    "equipment", "cross_training", "baseline_weekly_km", "goal_weekly_km", "units", "language",
]  # fmt: skip


def synthetic_patients(n: int) -> list[dict[str, str]]:
    """``n`` valid patients (no red flags), varied deterministically across the input space."""
    rows = []
    for i in range(n):
        factors = ";".join(dict.fromkeys([FACTORS[i % 7], FACTORS[(i * 3 + 1) % 7]][: i % 3]))
        rows.append(
            {
                "patient_id": f"B{i:05d}",
                "name": NAMES[i % len(NAMES)],
                "age": str(18 + (i * 7) % 60),
                "side": ["left", "right", "both"][i % 3],
                "condition": CONDITIONS[i % len(CONDITIONS)],
                "factors": factors,
                "pain_rest": str(i % 3),
                "pain_running": str(2 + (i * 5) % 7),
                "pain_daily": str(1 + i % 4),
                "start_date": f"2026-{1 + i % 12:02d}-{1 + (i * 11) % 27:02d}",
                "timezone": ZONES[i % len(ZONES)],
                "availability_days": DAYS[i % len(DAYS)],
                "availability_time": f"{6 + i % 14:02d}:{(i * 15) % 60:02d}",
                "equipment": EQUIPMENT[i % len(EQUIPMENT)],
                "cross_training": CROSS[i % len(CROSS)],
                "baseline_weekly_km": str(10 + (i * 13) % 70),
                "goal_weekly_km": str(15 + (i * 17) % 70),
                "units": "mi" if i % 5 == 4 else "km",
                "language": ["en", "es", "de", "fr", "pt-BR"][i % 5],
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_batch(csv_path: Path, out: Path, jobs: int, extra: list[str] | None = None) -> dict:
    """Run the real command; returns wall seconds and the parsed report."""
    cmd = [sys.executable, "-m", "rehabplan", "batch", str(csv_path), "--out", str(out),
           "--formats", "pdf", "--jobs", str(jobs), "--force", "--quiet"]  # fmt: skip
    cmd += extra or []
    # Every run starts with an empty store of kept handout parts (a fresh clinic machine):
    # what the workers share is what this run renders, nothing from an earlier run.
    env = {**os.environ, "REHABPLAN_CACHE_DIR": tempfile.mkdtemp(prefix="bench-kept-")}
    began = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        sys.exit(f"batch failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    return {"wall": wall, "report": report}


def worker_peaks(report: dict) -> dict[int, float]:
    peaks: dict[int, float] = {}
    for row in report["rows"]:
        w = row.get("worker") or {}
        if "peak_rss_mb" in w:
            peaks[w["pid"]] = max(peaks.get(w["pid"], 0.0), w["peak_rss_mb"])
    return peaks


def naive_seconds(rows: list[dict[str, str]]) -> float:
    """Seconds the naive loop takes for ``rows``, in this process (planning included)."""
    import weasyprint

    from rehabplan.batch.columns import row_to_mapping
    from rehabplan.export.html import handout_html
    from rehabplan.library import default_library
    from rehabplan.pipeline import ExportOptions
    from rehabplan.planner import build_plan
    from rehabplan.profile_io import profile_from_mapping
    from rehabplan.protocol import default_protocol

    library, protocol, options = default_library(), default_protocol(), ExportOptions()
    began = time.perf_counter()
    for row in rows:
        profile = profile_from_mapping(row_to_mapping(row), "bench")
        html = naive_html(handout_html(build_plan(profile, library, protocol), library, options))
        weasyprint.HTML(string=html, base_url=str(library.root)).write_pdf()
    return time.perf_counter() - began


def naive_html(html: str) -> str:
    """The handout without rehabplan's embedded font: every ``@font-face`` rule removed and
    font families pointed at the system default, as a first attempt would render it."""
    html = re.sub(r"@font-face\s*{[^}]*}", "", html)
    return re.sub(r"font-family\s*:[^;}\"]*", "font-family: sans-serif", html)


def rss_series(report: dict) -> list[float]:
    """Worker RSS after each patient, in row order (≈ the order patients were made)."""
    return [r["worker"]["rss_mb"] for r in report["rows"] if "rss_mb" in r.get("worker", {})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1,000-patient memory run")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--long", type=int, default=1000, help="patients in the memory run")
    parser.add_argument("--naive", type=int, default=40, help="patients in the naive loop")
    args = parser.parse_args()

    from importlib.util import find_spec

    if not find_spec("rehabplan.export.pdf"):
        sys.exit("rehabplan.export.pdf is not available: nothing to benchmark")
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmpdir = Path(tmp)
        rows = synthetic_patients(max(args.patients, args.long))
        small = write_csv(tmpdir / "patients.csv", rows[: args.patients])

        # The naive loop is timed in two halves, before and after the batch runs, because
        # this machine's speed drifts over minutes: the ratio compares like with like.
        half = args.naive // 2
        naive_before = naive_seconds(rows[:half])
        results = {}
        for jobs in (1, 2):
            res = run_batch(small, tmpdir / f"out-j{jobs}", jobs)
            done = res["report"]["totals"]["done"]
            assert done == args.patients, res["report"]["totals"]
            results[jobs] = res
            peaks = worker_peaks(res["report"])
            top, mid = max(peaks.values()), statistics.median(peaks.values())
            print(
                f"--jobs {jobs}: {args.patients} handouts in {res['wall']:.1f} s wall "
                f"= {args.patients / res['wall']:.2f} handouts/s "
                f"(batch itself {res['report']['elapsed_seconds']:.1f} s); "
                f"{len(peaks)} worker processes, peak RSS per worker "
                f"max {top:.0f} MiB, median {mid:.0f} MiB"
            )

        naive_after = naive_seconds(rows[half : args.naive])
        naive = args.naive / (naive_before + naive_after)
        print(f"naive loop (1 process, WeasyPrint defaults, system font): {naive:.2f} handouts/s "
              f"({args.naive} patients; {half / naive_before:.2f}/s before the batch runs, "
              f"{(args.naive - half) / naive_after:.2f}/s after)")  # fmt: skip
        rate = {j: args.patients / results[j]["wall"] for j in results}
        ratio1, ratio2 = rate[1] / naive, rate[2] / naive
        print(f"speed-up vs naive: --jobs 1 {ratio1:.1f}×, --jobs 2 {ratio2:.1f}× "
              f"(goal ≥ 5× with --jobs 2: {'met' if ratio2 >= 5 else 'NOT met'})")  # fmt: skip
        print(f"--jobs 2 vs --jobs 1: {rate[2] / rate[1]:.2f}×")

        if args.quick:
            print("memory run skipped (--quick)")
            return
        long_csv = write_csv(tmpdir / "long.csv", rows[: args.long])
        res = run_batch(long_csv, tmpdir / "out-long", 2)
        series = rss_series(res["report"])
        around = lambda k: max(series[max(0, k - 50) : k])  # noqa: E731
        at_100, at_end = around(100), around(len(series))
        worst = max(series[100:])
        growth = (at_end - at_100) / at_100 * 100
        spread = (worst - at_100) / at_100 * 100
        peaks = worker_peaks(res["report"])
        print(
            f"memory over {len(series)} patients (--jobs 2, {len(peaks)} worker processes "
            f"over the run): worker RSS ≈{at_100:.0f} MiB at patient 100, "
            f"≈{at_end:.0f} MiB at patient {len(series)} ({growth:+.1f} %), "
            f"highest after patient 100: {worst:.0f} MiB ({spread:+.1f} %); "
            f"goal within 10 %: {'met' if abs(growth) <= 10 and spread <= 10 else 'NOT met'}"
        )
        print(f"throughput in the long run: {len(series) / res['wall']:.2f} handouts/s")


if __name__ == "__main__":
    main()
