"""Running patient tasks on a Dask distributed cluster (``--scheduler tcp://HOST:8786``).

Each patient is one Dask task running the same :func:`process_patient` as the local pool, so
outputs, manifests and resume behave identically. The workers write straight into ``--out``,
which therefore has to be a path every worker sees (a shared file system mounted at the same
path everywhere). A worker plugin warms each worker up once (library, templates, fonts);
tasks are submitted in a bounded window and retried once by Dask before being reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rehabplan.batch.runner import TaskFn, failure
from rehabplan.batch.tasks import PatientResult, PatientTask
from rehabplan.batch.worker import process_patient, warm_up

PLUGIN_NAME = "rehabplan-warm-up"


def _plugin(formats: tuple[str, ...]) -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmUp(WorkerPlugin):
        """Load library, templates and fonts when a worker joins, before its first patient."""

        name = PLUGIN_NAME

        def __init__(self, formats: tuple[str, ...]) -> None:
            self.formats = formats

        def setup(self, worker: Any) -> None:
            warm_up(self.formats)

    return WarmUp(formats)


def connect(address: str) -> Any:
    """A client for the scheduler at ``address``; raises OSError with a readable message.

    How long to keep trying is Dask's own setting (``distributed.comm.timeouts.connect``,
    e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s``), so sites configure it once.
    """
    from distributed import Client

    try:
        return Client(address)
    except (OSError, TimeoutError) as e:
        raise OSError(f"cannot reach the Dask scheduler at {address} ({e})") from None


def run_on_cluster(
    tasks: Iterable[PatientTask],
    on_result: Callable[[PatientResult], None],
    *,
    client: Any,
    formats: tuple[str, ...],
    retries: int = 1,
    task_fn: TaskFn = process_patient,
) -> None:
    """Run every task on the cluster behind ``client``, calling ``on_result`` as each finishes.

    ``retries``: Dask re-runs a task that raised (or whose worker died) this many times; if it
    still fails, the patient is reported as failed with the last error, like a bad row.
    """
    from distributed import as_completed

    client.register_plugin(_plugin(formats), name=PLUGIN_NAME)
    workers = max(1, sum(client.nthreads().values()))
    window = 2 * workers + 2
    pending: Iterator[PatientTask] = iter(tasks)
    owner: dict[str, tuple[Any, PatientTask]] = {}

    def submit(task: PatientTask) -> Any:
        # Readable keys make the Dask dashboard show which patient a worker is on.
        key = f"rehabplan-{task.patient_id}-{uuid.uuid4().hex[:8]}"
        future = client.submit(task_fn, task, retries=retries, pure=False, key=key)
        owner[future.key] = (future, task)
        return future

    first = [submit(t) for _, t in zip(range(window), pending, strict=False)]
    stream = as_completed(first, loop=client.loop)
    try:
        for future in stream:
            _, task = owner.pop(future.key)
            if future.status == "finished":
                result = future.result()
                on_result(result)
            else:
                exc = future.exception()
                on_result(failure(task, exc, retries + 1))
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                stream.add(submit(nxt))
    except KeyboardInterrupt:
        client.cancel([future for future, _ in owner.values()])
        raise
