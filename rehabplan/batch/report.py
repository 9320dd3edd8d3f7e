"""``batch-report.json`` and the summary printed at the end of a batch.

The report lists every row of the input, sorted by row number whatever order the workers
finished in, so a clinic can match it against its spreadsheet. It is rewritten atomically
while the batch runs (``complete: false``) and once more at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from rehabplan import __version__, atomic
from rehabplan.batch.tasks import PatientResult
from rehabplan.errors import EXIT_OK, EXIT_PARTIAL

REPORT_NAME = "batch-report.json"
STATUSES = ("done", "referred", "failed", "skipped-unchanged")


class BatchReport:
    def __init__(
        self,
        input_path: Path,
        out_dir: Path,
        *,
        unit: str,
        total_rows: int,
        settings: dict[str, Any],
        warnings: list[str] | None = None,
    ) -> None:
        self.input_path = input_path
        self.out_dir = out_dir
        self.unit = unit
        """``row`` for CSV, ``line`` for JSONL: how positions are named in messages."""
        self.total_rows = total_rows
        self.settings = settings
        self.warnings = list(warnings or [])
        self.results: dict[int, PatientResult] = {}
        self.started_at = dt.datetime.now(dt.UTC)
        self._clock = time.perf_counter()
        self.interrupted = False

    @property
    def path(self) -> Path:
        return self.out_dir / REPORT_NAME

    def add(self, result: PatientResult) -> None:
        self.results[result.row] = result

    def where(self, row: int) -> str:
        return f"{self.input_path}, {self.unit} {row}"

    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for result in self.results.values():
            counts[result.status] += 1
        return {
            "rows": self.total_rows,
            "done": counts["done"],
            "referred": counts["referred"],
            "failed": counts["failed"],
            "skipped_unchanged": counts["skipped-unchanged"],
            "not_processed": self.total_rows - len(self.results),
        }

    def elapsed(self) -> float:
        return time.perf_counter() - self._clock

    def exit_code(self) -> int:
        complete = len(self.results) == self.total_rows
        failed = any(r.status == "failed" for r in self.results.values())
        return EXIT_OK if complete and not failed else EXIT_PARTIAL

    def to_dict(self, *, complete: bool) -> dict[str, Any]:
        rows = []
        for row in sorted(self.results):
            r = self.results[row]
            entry: dict[str, Any] = {
                "row": r.row,
                "patient_id": r.patient_id,
                "status": r.status,
                "reason": r.reason,
                "files": list(r.files),
            }
            if r.problems:
                entry["problems"] = [{"field": f, "message": m} for f, m in r.problems]
            if r.previous_status:
                entry["previous_status"] = r.previous_status
            if r.attempts > 1:
                entry["attempts"] = r.attempts
            if r.worker:
                entry["seconds"] = round(r.seconds, 3)
                entry["worker"] = r.worker
            rows.append(entry)
        return {
            "rehabplan": __version__,
            "input": str(self.input_path),
            "output": str(self.out_dir),
            "row_numbers": (
                "spreadsheet rows (header = row 1)" if self.unit == "row" else "file lines"
            ),
            "settings": self.settings,
            "started": self.started_at.isoformat(timespec="seconds"),
            "elapsed_seconds": round(self.elapsed(), 2),
            "complete": complete,
            "interrupted": self.interrupted,
            "totals": self.totals(),
            "warnings": self.warnings,
            "rows": rows,
        }

    def write(self, *, complete: bool) -> None:
        text = json.dumps(self.to_dict(complete=complete), indent=2, ensure_ascii=False)
        atomic.write_text(self.path, text + "\n")

    def summary(self) -> str:
        t = self.totals()
        head = (
            f"{t['rows']} {'row' if t['rows'] == 1 else 'rows'} in {self.elapsed():.1f} s: "
            f"{t['done']} done, "
            f"{t['referred']} referred, {t['failed']} failed"
        )
        if t["skipped_unchanged"]:
            head += f", {t['skipped_unchanged']} unchanged since the last run (skipped)"
        if t["not_processed"]:
            head += f", {t['not_processed']} not processed (interrupted)"
        lines = [head]
        # Referrals from an earlier run stay listed: they still need a clinician's action.
        referred = [r for r in self._sorted() if _referred(r)]
        if referred:
            lines += ["", "Referred (red flags: a referral letter was written instead of a plan):"]
            for r in referred:
                letters = sorted((f for f in r.files if "referral." in f), key=_letter_first)
                letter = letters[0] if letters else ""
                lines.append(f"  {self.where(r.row)} ({r.patient_id}): {self.out_dir / letter}")
        failed = [r for r in self._sorted() if r.status == "failed"]
        if failed:
            lines += ["", "Failed (fix these rows and run the same command again):"]
            for r in failed:
                who = f" ({r.patient_id})" if r.patient_id else ""
                reasons = [f"{f}: {m}" if f else m for f, m in r.problems] or [r.reason]
                lines += [f"  {self.where(r.row)}{who}: {reason}" for reason in reasons]
        lines += ["", f"Report: {self.path}"]
        return "\n".join(lines)

    def _sorted(self) -> list[PatientResult]:
        return [self.results[k] for k in sorted(self.results)]


def _referred(r: PatientResult) -> bool:
    return r.status == "referred" or (
        r.status == "skipped-unchanged" and r.previous_status == "referred"
    )


def _letter_first(name: str) -> int:
    """The printable letter first: referral.pdf, then .html, then .json."""
    return next((i for i, ext in enumerate((".pdf", ".html", ".json")) if name.endswith(ext)), 3)
