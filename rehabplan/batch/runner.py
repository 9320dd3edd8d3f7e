"""Running patient tasks on this machine: a recycled pool of worker processes.

Why processes: a WeasyPrint render is single-threaded Python, so only processes use more
than one core. Why recycling: a long-lived WeasyPrint process slowly grows, so workers are
replaced after about ``recycle_after`` patients each, which keeps memory flat over thousands.

Recycling is done here by rotating whole ``ProcessPoolExecutor`` generations rather than with
``max_tasks_per_child``: on Python 3.11–3.13 that option can deadlock once a worker retires
while tasks are queued (CPython gh-115634). A retired generation finishes the patients it
already has while its successor starts on new ones, so no core idles at the hand-over.

Workers are started by ``forkserver`` with rehabplan (and WeasyPrint, for PDFs) preloaded, so a
replacement worker costs a fork and one warm-up render, not a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from importlib.util import find_spec

from rehabplan.batch import RECYCLE_AFTER
from rehabplan.batch.tasks import PatientResult, PatientTask
from rehabplan.batch.worker import process_patient, warm_up

TaskFn = Callable[[PatientTask], PatientResult]
MAX_ATTEMPTS = 2
"""An unexpected error (not bad input) is retried once, as on a Dask cluster."""
STOP_CHECK_S = 0.25
"""How often the driver looks whether Ctrl-C or SIGTERM asked it to stop."""


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Make Ctrl-C and SIGTERM set ``stop`` instead of raising wherever the driver is.

    A KeyboardInterrupt raised between taking a finished patient off the in-flight list
    and recording it would lose that patient from the report although its files are on
    disk. With a flag the loop stops at a point of its choosing. Returns the undo.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: stop.set())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def default_jobs() -> int:
    """Cores this process may use (respects CPU affinity and container limits on Linux)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _context(formats: tuple[str, ...]) -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    preload = ["rehabplan.batch.worker", "rehabplan.pipeline", "rehabplan.planner"]
    if "pdf" in formats or "html" in formats:
        preload += [m for m in ("rehabplan.export.html", "weasyprint") if find_spec(m)]
    # Only takes effect if the fork server is not running yet (first batch in this process).
    ctx.set_forkserver_preload(preload)
    return ctx


def failure(task: PatientTask, exc: BaseException, attempts: int) -> PatientResult:
    """An error that survived its retry, reported like a bad row."""
    message = str(exc).strip() or type(exc).__name__
    if isinstance(exc, BrokenProcessPool):
        message = "the worker process died while making this patient (out of memory or killed?)"
    else:
        message = f"{type(exc).__name__}: {message}"
    return PatientResult(
        task.row,
        task.patient_id,
        "failed",
        reason=f"internal error after {attempts} attempts: {message}",
        problems=(("", f"internal error after {attempts} attempts: {message}"),),
        attempts=attempts,
    )


class _Pool:
    """Executors in generations: each takes ``jobs × recycle_after`` tasks, then retires."""

    def __init__(self, jobs: int, recycle_after: int, formats: tuple[str, ...]) -> None:
        self.jobs = jobs
        self.quota = max(1, jobs * recycle_after)
        self.formats = formats
        self.ctx = _context(formats)
        self.current: ProcessPoolExecutor | None = None
        self.used = 0
        self.retired: list[ProcessPoolExecutor] = []

    def _fresh(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=self.ctx,
            initializer=_init_worker,
            initargs=(self.formats, os.getpid()),
        )

    def submit(self, fn: TaskFn, task: PatientTask) -> Future[PatientResult]:
        if self.current is None or self.used >= self.quota:
            self.retire()
            self.current = self._fresh()
            self.used = 0
        self.used += 1
        try:
            return self.current.submit(fn, task)
        except BrokenProcessPool:
            self.retire()
            return self.submit(fn, task)

    def retire(self) -> None:
        """Stop giving the current generation work; it finishes what it has, then exits."""
        if self.current is not None:
            self.current.shutdown(wait=False)
            self.retired.append(self.current)
            self.current = None

    def close(self, *, cancel: bool = False) -> None:
        self.retire()
        for executor in self.retired:
            executor.shutdown(wait=True, cancel_futures=cancel)
        self.retired.clear()


def _init_worker(formats: tuple[str, ...], driver: int) -> None:
    _follow_driver(driver)
    # A failing initializer breaks the whole pool with an opaque error; the first task
    # warms up again and reports the real one for its patient instead.
    with contextlib.suppress(Exception):
        warm_up(formats, ignore_sigint=True)


def _follow_driver(driver: int, every_s: float = 0.5) -> None:
    """Exit when the driver process is gone (SIGKILL, OOM killer, closed terminal).

    Workers ignore SIGINT and their parent is the fork server, not the driver, so without
    this they would keep rendering patients nobody records and hold the caller's stdout
    open. Dying mid-patient is safe: outputs are renamed into place only when complete.
    """

    def watch() -> None:
        while True:
            time.sleep(every_s)
            try:
                os.kill(driver, 0)
            except (ProcessLookupError, PermissionError):  # gone, or its pid now not ours
                os._exit(1)

    threading.Thread(target=watch, name="rehabplan-driver-watch", daemon=True).start()


def run_local(
    tasks: Iterable[PatientTask],
    on_result: Callable[[PatientResult], None],
    *,
    jobs: int,
    formats: tuple[str, ...],
    recycle_after: int = RECYCLE_AFTER,
    task_fn: TaskFn = process_patient,
) -> None:
    """Run every task on ``jobs`` worker processes, calling ``on_result`` as each finishes.

    At most ``2 × jobs`` tasks are in flight, so memory does not grow with the batch size.
    Ctrl-C stops submitting, lets running patients finish (and reports them), then re-raises.
    """
    pending: Iterator[PatientTask] = iter(tasks)
    stop = threading.Event()
    restore = _stop_on_signals(stop)
    pool = _Pool(jobs, recycle_after, formats)
    in_flight: dict[Future[PatientResult], tuple[PatientTask, int]] = {}
    window = 2 * jobs
    retry: list[tuple[PatientTask, int]] = []

    def fill() -> None:
        while len(in_flight) < window:
            if retry:
                task, attempt = retry.pop()
            else:
                task = next(pending, None)  # type: ignore[arg-type]
                attempt = 1
                if task is None:
                    return
            in_flight[pool.submit(task_fn, task)] = (task, attempt)

    try:
        fill()
        while in_flight:
            finished, _ = wait(in_flight, timeout=STOP_CHECK_S, return_when=FIRST_COMPLETED)
            for future in finished:
                task, attempt = in_flight.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # anything a worker raised, or a dead worker
                    if isinstance(exc, BrokenProcessPool):
                        pool.retire()
                    if attempt < MAX_ATTEMPTS:
                        retry.append((task, attempt + 1))
                        continue
                    result = failure(task, exc, attempt)
                else:
                    if attempt > 1:
                        result = replace(result, attempts=attempt)
                on_result(result)
            if stop.is_set():
                raise KeyboardInterrupt  # here, between results: none is half-recorded
            fill()
    except KeyboardInterrupt:
        for future in in_flight:
            future.cancel()
        # Patients already running finish (workers ignore SIGINT); record them.
        for future, (task, attempt) in list(in_flight.items()):
            if future.cancelled():
                continue
            try:
                on_result(future.result())
            except Exception as exc:
                on_result(failure(task, exc, attempt))
        pool.close(cancel=True)
        raise
    finally:
        restore()
    pool.close()
