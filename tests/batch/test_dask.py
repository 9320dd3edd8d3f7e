"""The same batch on a Dask distributed cluster (a real LocalCluster of worker processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehabplan.errors import EXIT_PARTIAL

pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client


def test_cli_on_a_cluster_and_resume(tmp_path, bx, cluster):
    local_cluster, _ = cluster
    rows = [
        bx.row(patient_id="D-1", name="Zoë Brontë"),
        bx.row(patient_id="D-2", red_flags="swelling_warmth_redness"),
        bx.row(patient_id="D-3", pain_daily="-1"),
        *bx.varied(5, prefix="V"),
    ]
    bx.write_csv(tmp_path / "p.csv", rows)
    out = tmp_path / "shared" / "out"
    args = ("p.csv", "--out", out, "--formats", "json", "--scheduler",
            local_cluster.scheduler_address)  # fmt: skip
    proc = bx.run(*args, cwd=tmp_path)
    assert proc.returncode == EXIT_PARTIAL, proc.stdout + proc.stderr
    rep = bx.report(out)
    assert rep["settings"]["scheduler"] == local_cluster.scheduler_address
    rows_ = bx.by_row(rep)
    assert rows_[2]["status"] == "done" and rows_[3]["status"] == "referred"
    assert rows_[4]["status"] == "failed" and rows_[4]["problems"][0]["field"] == "pain.daily"
    plan = json.loads((out / "D-1" / "plan.json").read_text(encoding="utf-8"))
    assert plan["patient"]["name"] == "Zoë Brontë"
    assert (out / "D-2" / "referral.json").is_file()
    pids = {r["worker"]["pid"] for r in rep["rows"] if "worker" in r}
    assert len(pids) >= 1  # made by worker processes, not by the CLI process

    again = bx.run(*args, cwd=tmp_path)
    assert again.returncode == EXIT_PARTIAL
    statuses = [r["status"] for r in bx.report(out)["rows"]]
    assert statuses.count("skipped-unchanged") == 7 and statuses.count("failed") == 1


def test_unreachable_scheduler_exits_2_and_writes_nothing(tmp_path, bx):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bx.write_csv(tmp_path / "p.csv", [bx.row()])
    proc = bx.run(
        "p.csv", "--out", "out", "--formats", "json", "--scheduler", f"tcp://127.0.0.1:{port}",
        cwd=tmp_path, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
    )  # fmt: skip
    assert proc.returncode == 2
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def _tasks(tmp_path: Path, bx, n: int):
    from rehabplan.batch.prepare import prepare
    from rehabplan.batch.rows import read_patients
    from rehabplan.batch.tasks import context_digest
    from rehabplan.pipeline import ExportOptions

    bx.write_csv(tmp_path / "p.csv", bx.varied(n))
    options = ExportOptions()
    prepared = prepare(
        read_patients(tmp_path / "p.csv"),
        out_root=tmp_path / "out",
        formats=("json",),
        options=options,
        context=context_digest(("json",), options, None),
    )
    return prepared.tasks


def test_a_task_that_fails_once_is_retried(tmp_path, bx, cluster):
    from rehabplan.batch.cluster import run_on_cluster

    _, client = cluster
    marks = tmp_path / "attempts"
    marks.mkdir()

    def flaky(task):
        from rehabplan.batch.worker import process_patient

        attempt = len(list(marks.glob(f"{task.patient_id}.*"))) + 1
        (marks / f"{task.patient_id}.{attempt}").touch()
        if attempt == 1:
            raise ConnectionResetError("shared disk went away for a moment")
        return process_patient(task)

    results = []
    run_on_cluster(
        _tasks(tmp_path, bx, 3), results.append, client=client, formats=("json",), task_fn=flaky
    )
    assert sorted(r.status for r in results) == ["done", "done", "done"]
    assert sorted(p.name for p in marks.iterdir()) == [
        "P0000.1", "P0000.2", "P0001.1", "P0001.2", "P0002.1", "P0002.2"
    ]  # fmt: skip
    assert all((tmp_path / "out" / f"P000{i}" / "plan.json").is_file() for i in range(3))


def test_a_task_that_keeps_failing_is_reported_like_a_bad_row(tmp_path, bx, cluster):
    from rehabplan.batch.cluster import run_on_cluster

    _, client = cluster
    marks = tmp_path / "attempts"
    marks.mkdir()

    def broken(task):
        attempt = len(list(marks.glob(f"{task.patient_id}.*"))) + 1
        (marks / f"{task.patient_id}.{attempt}").touch()
        raise PermissionError(f"cannot write {task.patient_id}/plan.json")

    tasks = _tasks(tmp_path, bx, 2)
    results = []
    run_on_cluster(tasks, results.append, client=client, formats=("json",), task_fn=broken)
    assert [r.status for r in results] == ["failed", "failed"]
    for result in results:
        assert f"cannot write {result.patient_id}/plan.json" in result.reason
        assert "PermissionError" in result.reason and "after 2 attempts" in result.reason
        assert result.row in {t.row for t in tasks}
    assert len(list(marks.iterdir())) == 4  # exactly one retry each
