"""Progress on stderr: a live bar on a terminal, plain lines in logs.

CI logs and ``nohup`` files cannot show a redrawn bar, so when stderr is not a terminal one
short line is printed per patient for small batches and about every 2 % for large ones;
failures and referrals are always printed, because those are the rows someone must act on.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from rehabplan.batch.tasks import PatientResult


class Progress(Protocol):
    def advance(self, result: PatientResult) -> None: ...
    def close(self) -> None: ...


class PlainProgress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.count = 0
        self.stream = stream or sys.stderr
        self.every = 1 if total <= 100 else max(1, total // 50)
        self.width = len(str(total))

    def advance(self, result: PatientResult) -> None:
        self.count += 1
        noteworthy = result.status in {"failed", "referred"}
        if noteworthy or self.count % self.every == 0 or self.count == self.total:
            who = result.patient_id or f"row {result.row}"
            print(
                f"[{self.count:>{self.width}}/{self.total}] {result.status} {who}",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        pass


class RichProgress:
    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        self.counts = {"done": 0, "referred": 0, "failed": 0, "skipped-unchanged": 0}
        self.bar = Bar(
            TextColumn("[bold]handouts"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.bar.add_task(self._describe(), total=total)
        self.bar.start()

    def _describe(self) -> str:
        c = self.counts
        text = f"{c['done']} done, {c['referred']} referred, {c['failed']} failed"
        return text + (f", {c['skipped-unchanged']} unchanged" if c["skipped-unchanged"] else "")

    def advance(self, result: PatientResult) -> None:
        self.counts[result.status] += 1
        self.bar.update(self.task, advance=1, description=self._describe())

    def close(self) -> None:
        self.bar.stop()


class Silent:
    def advance(self, result: PatientResult) -> None:
        pass

    def close(self) -> None:
        pass


def progress_for(total: int, *, enabled: bool = True) -> Progress:
    if not enabled or total == 0:
        return Silent()
    if sys.stderr.isatty():
        return RichProgress(total)
    return PlainProgress(total)
