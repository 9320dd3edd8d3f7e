"""Nothing lost: a killed batch resumes, unchanged patients are skipped, changed ones redone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from rehabplan.errors import EXIT_OK

MANIFEST = ".rehabplan-done.json"


def _finished(out: Path) -> set[str]:
    return {p.parent.name for p in out.glob(f"*/{MANIFEST}")}


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"batch ended (exit {proc.returncode}) before the test could interrupt it")
        time.sleep(0.02)
    pytest.fail("batch made no progress in time")


def _json_batch(tmp_path: Path, bx, patients: int, *, wait_for: int, **popen) -> tuple:
    """Start a ``--jobs 2`` JSON-only batch of ``patients`` and return once ``wait_for`` of
    them are finished: (process, output folder). ``popen`` overrides the pipes."""
    bx.write_csv(tmp_path / "p.csv", bx.varied(patients))
    cmd = bx.batch_cmd("p.csv", "--out", "out", "--formats", "json", "--jobs", "2")
    out = tmp_path / "out"
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=bx.cli_env(), **pipes)
    _wait_for(lambda: len(_finished(out)) >= wait_for, 60, proc)
    return proc, out


def _stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


@pytest.mark.slow
def test_resume_after_sigkill(tmp_path, bx):
    """Kill the whole batch (driver and workers) with SIGKILL mid-run, then run it again."""
    pdf = bx.have_exporters()
    formats, count, kill_after = ("pdf,ics,json", 40, 6) if pdf else ("json", 300, 25)
    bx.write_csv(tmp_path / "p.csv", bx.varied(count))
    cmd = bx.batch_cmd("p.csv", "--out", "out", "--formats", formats, "--jobs", "2")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=bx.cli_env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(lambda: len(_finished(out)) >= kill_after, 90, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(0.2)

    finished = _finished(out)
    assert kill_after <= len(finished) < count, "the kill must land mid-batch"
    # No output file under its final name is ever truncated.
    import pikepdf

    for path in out.glob("*/*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    for path in out.glob("*/*.pdf"):
        with pikepdf.open(path) as doc:
            assert len(doc.pages) >= 1
    for path in out.glob("*/plan.ics"):
        assert path.read_bytes().rstrip().endswith(b"END:VCALENDAR")
    before = {pid: _stamps(out / pid) for pid in finished}

    again = subprocess.run(cmd, cwd=tmp_path, env=bx.cli_env(), capture_output=True, text=True,
                           timeout=300)  # fmt: skip
    assert again.returncode == EXIT_OK, again.stdout + again.stderr
    rep = bx.report(out)
    status = {r["patient_id"]: r["status"] for r in rep["rows"]}
    assert len(status) == count
    assert {p for p, s in status.items() if s == "skipped-unchanged"} == finished
    assert {p for p, s in status.items() if s == "done"} == set(status) - finished
    for pid, stamps in before.items():
        assert _stamps(out / pid) == stamps, f"{pid} was regenerated although unchanged"
    assert not list(out.rglob("*.tmp")), "temp files of the killed run were left behind"
    assert _finished(out) == set(status)


def test_changed_row_is_regenerated_and_only_it(tmp_path, bx):
    rows = bx.varied(4)
    bx.write_csv(tmp_path / "p.csv", rows)
    args = ("p.csv", "--out", "out", "--formats", "json", "--jobs", "2")
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    out = tmp_path / "out"
    before = {r["patient_id"]: _stamps(out / r["patient_id"]) for r in rows}

    rows[2]["name"] = "Renée Changed"
    bx.write_csv(tmp_path / "p.csv", rows)
    proc = bx.run(*args, cwd=tmp_path)
    assert proc.returncode == EXIT_OK
    assert "1 done" in proc.stdout and "3 unchanged" in proc.stdout
    changed = rows[2]["patient_id"]
    status = {r["patient_id"]: r["status"] for r in bx.report(out)["rows"]}
    assert status.pop(changed) == "done"
    assert set(status.values()) == {"skipped-unchanged"}
    plan = json.loads((out / changed / "plan.json").read_text(encoding="utf-8"))
    assert plan["patient"]["name"] == "Renée Changed"
    for pid, stamps in before.items():
        if pid == changed:
            assert _stamps(out / pid)["plan.json"] != stamps["plan.json"]
        else:
            assert _stamps(out / pid) == stamps


def test_red_flag_added_then_cleared_swaps_the_outputs(tmp_path, bx):
    out = tmp_path / "out"
    args = ("p.csv", "--out", "out", "--formats", "json")
    bx.write_csv(tmp_path / "p.csv", [bx.row(patient_id="S-1")])
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    assert (out / "S-1" / "plan.json").is_file()

    bx.write_csv(tmp_path / "p.csv", [bx.row(patient_id="S-1", red_flags="fever")])
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    assert (out / "S-1" / "referral.json").is_file()
    assert not (out / "S-1" / "plan.json").exists(), "a stale plan must not survive a referral"
    assert bx.by_row(bx.report(out))[2]["status"] == "referred"

    cleared = bx.row(patient_id="S-1", red_flags="fever")
    cleared.update(cleared_by_clinician="yes", clinician_note="Seen by Dr Ortiz, no infection.")
    header = [*bx.HEADER, "cleared_by_clinician", "clinician_note"]
    bx.write_csv(tmp_path / "p.csv", [cleared], header=header)
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    assert (out / "S-1" / "plan.json").is_file()
    assert not (out / "S-1" / "referral.json").exists()
    plan = json.loads((out / "S-1" / "plan.json").read_text(encoding="utf-8"))
    assert plan["patient"]["cleared_by_clinician"] is True


def test_force_regenerates_and_stale_temp_files_go(tmp_path, bx):
    bx.write_csv(tmp_path / "p.csv", bx.varied(2))
    args = ("p.csv", "--out", "out", "--formats", "json")
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    out = tmp_path / "out"
    leftover = out / "P0000" / ".plan.json.x1y2.tmp"
    leftover.write_bytes(b'{"truncat')
    (out / ".batch-report.json.zz.tmp").write_bytes(b"{")
    proc = bx.run(*args, "--force", cwd=tmp_path)
    assert proc.returncode == EXIT_OK
    assert {r["status"] for r in bx.report(out)["rows"]} == {"done"}
    assert not list(out.rglob("*.tmp"))


def test_deleted_output_is_made_again(tmp_path, bx):
    bx.write_csv(tmp_path / "p.csv", bx.varied(2))
    args = ("p.csv", "--out", "out", "--formats", "json")
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    out = tmp_path / "out"
    (out / "P0001" / "plan.json").unlink()
    assert bx.run(*args, cwd=tmp_path).returncode == EXIT_OK
    status = {r["patient_id"]: r["status"] for r in bx.report(out)["rows"]}
    assert status == {"P0000": "skipped-unchanged", "P0001": "done"}
    assert (out / "P0001" / "plan.json").is_file()


@pytest.mark.slow
def test_a_killed_worker_does_not_sink_the_batch(tmp_path, bx):
    """A worker SIGKILLed mid-batch (the OOM killer, say): its patients are retried."""
    psutil = pytest.importorskip("psutil")
    proc, out = _json_batch(tmp_path, bx, 200, wait_for=10)
    server = [
        p for p in psutil.Process(proc.pid).children()
        if any("forkserver" in part for part in p.cmdline())
    ]  # fmt: skip
    workers = server[0].children() if server else psutil.Process(proc.pid).children()
    assert workers, "no worker processes found"
    workers[0].kill()
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_OK, stdout + stderr
    rep = bx.report(out)
    assert rep["totals"]["done"] == 200
    assert _finished(out) == {f"P{i:04d}" for i in range(200)}


def test_ctrl_c_keeps_finished_patients_and_exits_130(tmp_path, bx):
    proc, out = _json_batch(tmp_path, bx, 200, wait_for=5, start_new_session=True)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "run the same command again" in stderr
    rep = bx.report(out)
    assert rep["interrupted"] is True and rep["complete"] is False
    reported = {r["patient_id"] for r in rep["rows"] if r["status"] == "done"}
    assert reported == _finished(out)  # every finished patient is in the report, none lost
    assert 5 <= len(reported) < 200
    assert f"{len(reported)} done" in stdout and "not processed (interrupted)" in stdout


def test_sigterm_stops_like_ctrl_c(tmp_path, bx):
    proc, out = _json_batch(tmp_path, bx, 200, wait_for=5)
    proc.terminate()  # what a job scheduler or `kill` sends
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    rep = bx.report(out)
    assert rep["interrupted"] is True
    assert {r["patient_id"] for r in rep["rows"] if r["status"] == "done"} == _finished(out)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux process model")
def test_workers_leave_when_the_driver_is_killed(tmp_path, bx):
    """SIGKILL of the driver alone: its workers must not go on rendering unrecorded
    patients and hold the caller's pipes open (the caller would hang)."""
    import threading

    proc, out = _json_batch(tmp_path, bx, 400, wait_for=5, stderr=subprocess.STDOUT,
                            text=False)  # fmt: skip
    proc.kill()  # the driver only, not its process group
    proc.wait()
    closed = threading.Event()

    def drain() -> None:
        proc.stdout.read()  # returns when every process holding the pipe has exited
        closed.set()

    threading.Thread(target=drain, daemon=True).start()
    assert closed.wait(15), "worker processes outlived the driver"
    settled = len(_finished(out))
    time.sleep(1.5)
    assert len(_finished(out)) == settled < 400
