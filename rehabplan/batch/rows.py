"""Reading a clinic's patient file (CSV or JSONL) into numbered rows.

Two kinds of trouble are kept apart on purpose. A file that cannot be read at all (missing,
not text, no header, no rows) raises :class:`InputError` before anything is written, and the
CLI exits 2. A single bad row (unparseable JSON, too many cells) becomes a :class:`RawRow`
with problems and is reported with its number, so it never stops the other patients.

Row numbers are what a clinician sees: for CSV the spreadsheet row (the header is row 1), for
JSONL the line number in the file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rehabplan.batch.columns import (
    KNOWN,
    normalise_header,
    row_to_mapping,
    suggest,
    unknown_flag_columns,
)
from rehabplan.errors import InputError, Problem

Kind = Literal["csv", "jsonl"]
_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RawRow:
    number: int
    source: str
    """Where the row is, for messages: ``patients.csv, row 7`` or ``patients.jsonl, line 3``."""
    data: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    patient_id: str | None = None
    """The patient_id as typed, when there is one, so even a broken row can be named."""


@dataclass(frozen=True)
class PatientFile:
    path: Path
    kind: Kind
    rows: list[RawRow]
    delimiter: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    """Header cells that are not profile columns (clinic exports carry extra ones)."""


def read_patients(path: Path) -> PatientFile:
    """Read every row of a CSV or JSONL patient file; InputError when the file is unusable."""
    path = Path(path)
    source = str(path)
    text = _read_text(path, source)
    kind = _kind(path, text, source)
    if kind == "jsonl":
        rows = list(_jsonl_rows(text, source))
        result = PatientFile(path, "jsonl", rows)
    else:
        result = _csv_file(path, text, source)
    if not result.rows:
        raise InputError([Problem(source, "", "holds no patient rows")])
    return result


def _fail(source: str, message: str) -> InputError:
    return InputError([Problem(source, "", message)])


def _read_text(path: Path, source: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(source, "file not found") from None
    except IsADirectoryError:
        raise _fail(source, "is a folder, not a CSV or JSONL file") from None
    except OSError as e:
        raise _fail(source, f"cannot be read ({e.strerror})") from None
    if raw.startswith(b"PK\x03\x04") or path.suffix.lower() in {".xlsx", ".xls", ".ods"}:
        raise _fail(
            source,
            "is a spreadsheet workbook; save it as CSV (in Excel: File › Save As › "
            "CSV UTF-8) and pass the .csv file",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-separated.
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise _fail(source, f"is not valid UTF-16 text ({e.reason})") from None
    if b"\x00" in raw[:8192]:
        raise _fail(source, "is not a text file (expected CSV or JSONL)")
    try:
        return raw.decode("utf-8-sig")  # tolerates the byte-order mark Excel writes
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _fail(
            source,
            f"is not UTF-8 text (byte 0x{raw[e.start]:02x} on line {line}); save it as "
            "CSV UTF-8 (Excel: File › Save As › CSV UTF-8)",
        ) from None


def _kind(path: Path, text: str, source: str) -> Kind:
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if first and not first.startswith("{") and _names_columns(first):
            raise _fail(source, "looks like CSV (its first line names columns), not JSON "
                                "lines: name the file .csv")  # fmt: skip
        return "jsonl"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        raise _fail(source, "is empty")
    if suffix == ".json" or first.startswith(("{", "[")):
        if first.startswith("["):
            raise _fail(
                source,
                "is a JSON array; write one patient object per line (JSONL, .jsonl)",
            )
        if len([line for line in text.splitlines() if line.strip()]) > 1 and _one_object(text):
            raise _fail(
                source,
                "holds a single JSON object spread over several lines; for a batch write one "
                "patient object per line (JSONL), for one patient use `rehabplan plan`",
            )
        return "jsonl"
    return "csv"


def _names_columns(line: str) -> bool:
    cells = next(csv.reader([line], delimiter=_delimiter(line)), [])
    return sum(normalise_header(c) in KNOWN for c in cells) >= 2


def _one_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


# -- JSONL ------------------------------------------------------------------------------------


def _jsonl_rows(text: str, source: str):
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            yield RawRow(number, where, None, (Problem(where, "", f"is not valid JSON ({e.msg})"),))
            continue
        except RecursionError:
            yield RawRow(number, where, None, (Problem(where, "", "is nested too deeply"),))
            continue
        if not isinstance(data, dict):
            kind = "null" if data is None else type(data).__name__
            problem = Problem(
                where, "", f"must be a JSON object with the profile fields, got {kind}"
            )
            yield RawRow(number, where, None, (problem,))
            continue
        yield RawRow(number, where, data, patient_id=_pid(data.get("patient_id")))


def _pid(value: object) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


# -- CSV --------------------------------------------------------------------------------------


def _csv_file(path: Path, text: str, source: str) -> PatientFile:
    first_line = next((line for line in text.splitlines() if line.strip()), None)
    if first_line is None:
        raise _fail(source, "is empty")
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as e:
        raise _fail(source, f"is not valid CSV (line {reader.line_num}: {e})") from None
    # Leading blank lines are skipped, but still counted: row numbers match the spreadsheet.
    header_index = next((i for i, rec in enumerate(records) if any(c.strip() for c in rec)), None)
    if header_index is None:
        raise _fail(source, "is empty (no header row and no patients)")
    header = [normalise_header(c) for c in records[header_index]]
    _check_header(header, source, first_line)
    _check_quotes(text, records, header_index, header, delimiter, source)
    ignored = sorted({h for h in header if h and h not in KNOWN})
    rows = []
    for index in range(header_index + 1, len(records)):
        record = records[index]
        if not any(cell.strip() for cell in record):
            continue  # blank rows (Excel leaves some at the end)
        number = index + 1
        rows.append(_csv_row(number, f"{source}, row {number}", header, record))
    return PatientFile(path, "csv", rows, delimiter, ignored)


def _delimiter(header_line: str) -> str:
    """Pick the delimiter under which the header names the most known columns.

    Sniffing data rows is unreliable here: list cells such as ``"mon;wed;fri"`` put the
    European delimiter inside comma-separated files. Header cells never hold lists.
    """

    def score(d: str) -> int:
        cells = next(csv.reader([header_line], delimiter=d), [])
        return sum(normalise_header(c) in KNOWN for c in cells)

    return max(_DELIMITERS, key=score)  # ties keep the first: comma


def _check_quotes(
    text: str, records: list[list[str]], header_index: int, header: list[str], delimiter: str,
    source: str,
) -> None:  # fmt: skip
    """Refuse a file where a quote that is never closed swallowed the rows after it.

    Python's csv reader (like Excel) lets a quoted cell run over several lines, so one stray
    ``"`` reads every later row into a single cell: those patients would vanish from the
    batch and their data land in another patient's plan. A strict parse tells a quote
    left open to the end of the file; a multi-line cell whose later lines look like whole
    rows means one was closed far too late.
    """
    need = max(2, len(header) // 2)
    for index in range(header_index + 1, len(records)):
        for name, cell in zip(header, records[index], strict=False):
            lines = cell.splitlines()[1:]
            if any(line.count(delimiter) >= need for line in lines):
                raise _fail(
                    source,
                    f'row {index + 1}, column {name or "?"}: a quote (") opened in this cell '
                    f"is not closed until {len(lines)} line(s) later, so those rows were read "
                    "into this one cell; close or remove the quote",
                )
    if _open_at_end(text, delimiter):
        raise _fail(
            source,
            f'a quote (") is opened and never closed (at or before row {len(records)}); '
            "close or remove it so no row is lost",
        )


def _open_at_end(text: str, delimiter: str) -> bool:
    """True when a quoted cell is still open at the end of the file (an inch mark such as
    ``5" brace`` inside an unquoted cell is fine: csv reads it as a character)."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


def _check_header(header: list[str], source: str, first_line: str) -> None:
    known = [h for h in header if h in KNOWN]
    if not known:
        hint = ""
        if first_line.lstrip().startswith("{"):
            hint = "; it looks like JSON lines: name the file .jsonl"
        elif len(header) > 1 and not any(header[1:]):
            hint = "; is there a title line above the header? remove it"
        raise _fail(
            source,
            "has no header row naming the columns (the first row must name them, e.g. "
            f"patient_id, age, side, condition, …){hint}",
        )
    if "patient_id" not in header:
        raise _fail(source, "has no patient_id column (it names each patient's output folder)")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name and name in seen:
            raise _fail(
                source, f"column {name} appears twice (columns {seen[name]} and {position})"
            )
        seen[name] = position
    bad_flags = unknown_flag_columns(header)
    if bad_flags:
        hints = []
        for name in bad_flags:
            close = suggest(name)
            hints.append(f"{name} (did you mean {close}?)" if close else name)
        raise _fail(
            source,
            f"column {', '.join(hints)} is not a known red flag; fix the header so no red "
            "flag is missed",
        )


def _csv_row(number: int, where: str, header: list[str], record: list[str]) -> RawRow:
    extra = [c for c in record[len(header) :] if c.strip()]
    cells = {name: value for name, value in zip(header, record, strict=False) if name}
    pid = _pid(cells.get("patient_id"))
    if extra:
        message = (
            f"has {len(record)} cells but the header has {len(header)} columns "
            "(a list cell with ';' or ',' must be quoted)"
        )
        return RawRow(number, where, None, (Problem(where, "", message),), pid)
    return RawRow(number, where, row_to_mapping(cells), patient_id=pid)
