"""Reading clinic files in-process: encodings, delimiters, red-flag columns, duplicates."""

from __future__ import annotations

import pytest

from rehabplan.batch.prepare import prepare
from rehabplan.batch.rows import read_patients
from rehabplan.errors import InputError
from rehabplan.pipeline import ExportOptions


def _prepare(path, tmp_path):
    return prepare(
        read_patients(path),
        out_root=tmp_path / "out",
        formats=("json",),
        options=ExportOptions(),
        context="test",
    )


def test_excel_unicode_text_utf16_tab(tmp_path, bx):
    path = bx.write_csv(tmp_path / "p.txt", [bx.row(patient_id="U-1", name="Dvořák")],
                        delimiter="\t")  # fmt: skip
    path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    prepared = _prepare(path, tmp_path)
    assert not prepared.failed
    assert prepared.tasks[0].profile.name == "Dvořák"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"red_flag_fever": "TRUE"}, {"fever"}),
        ({"red_flag_fever": "1", "red_flag_locking": "0"}, {"fever"}),
        ({"red_flag_fever": "no", "red_flags": "fever"}, {"fever"}),  # either says so
        ({"red_flag_instability": "", "red_flags": "Instability; LOCKING"},
         {"instability", "locking"}),
        ({"red_flag_fever": "N"}, set()),
    ],
)  # fmt: skip
def test_red_flags_from_either_kind_of_column(tmp_path, bx, cells, expected):
    header = [*bx.HEADER, "red_flag_fever", "red_flag_locking", "red_flag_instability"]
    path = bx.write_csv(tmp_path / "p.csv", [bx.row(**cells)], header=header)
    [task] = _prepare(path, tmp_path).tasks
    assert {f.value for f in task.profile.red_flags_present()} == expected


def test_bad_red_flag_values_name_the_field(tmp_path, bx):
    header = [*bx.HEADER, "red_flag_fever"]
    rows = [bx.row(patient_id="A", red_flag_fever="maybe"),
            bx.row(patient_id="B", red_flags="locking;wobbly")]  # fmt: skip
    prepared = _prepare(bx.write_csv(tmp_path / "p.csv", rows, header=header), tmp_path)
    reasons = {r.patient_id: r.reason for r in prepared.failed}
    assert reasons["A"] == "red_flags.fever: must be true or false, got 'maybe'"
    assert reasons["B"].startswith("red_flags.wobbly: is not a known field")


def test_duplicates_compare_ids_ignoring_case(tmp_path, bx):
    rows = [bx.row(patient_id="ab-1"), bx.row(patient_id="AB-1"), bx.row(patient_id="ab-2")]
    prepared = _prepare(bx.write_csv(tmp_path / "p.csv", rows), tmp_path)
    assert [t.patient_id for t in prepared.tasks] == ["ab-1", "ab-2"]
    [dup] = prepared.failed
    assert (dup.row, dup.reason) == (3, "patient_id: duplicate patient_id, first seen in row 2")


def test_a_broken_first_row_still_owns_its_id(tmp_path, bx):
    rows = [bx.row(patient_id="X", age="300"), bx.row(patient_id="X")]
    prepared = _prepare(bx.write_csv(tmp_path / "p.csv", rows), tmp_path)
    assert not prepared.tasks
    assert [r.row for r in prepared.failed] == [2, 3]
    assert "age: must be between 12 and 100, got 300" in prepared.failed[0].reason
    assert "first seen in row 2" in prepared.failed[1].reason


def test_unquoted_list_in_a_comma_file_is_one_bad_row(tmp_path, bx):
    path = bx.write_csv(tmp_path / "p.csv", [bx.row(patient_id="A"), bx.row(patient_id="B")])
    text = path.read_bytes().decode()
    lines = text.split("\r\n")
    lines[2] = lines[2].replace("bike;pool", "bike,pool")  # row 3 gets one cell too many
    path.write_bytes("\r\n".join(lines).encode())
    prepared = _prepare(path, tmp_path)
    assert [t.patient_id for t in prepared.tasks] == ["A"]
    [bad] = prepared.failed
    assert bad.row == 3 and bad.patient_id == "B" and "must be quoted" in bad.reason


def test_patient_id_that_would_escape_the_folder_is_refused(tmp_path, bx):
    rows = [bx.row(patient_id="../../etc"), bx.row(patient_id="a/b"), bx.row(patient_id=" ")]
    prepared = _prepare(bx.write_csv(tmp_path / "p.csv", rows), tmp_path)
    assert not prepared.tasks
    assert all(r.problems[0][0] == "patient_id" for r in prepared.failed)


def test_whitespace_only_file_is_unusable(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("\n \n\t\n", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        read_patients(path)


def test_documented_columns_match_what_is_read_and_what_is_required():
    """The column table (README) cannot drift from the reader or from the Profile model."""
    from rehabplan.batch.columns import COLUMNS, FLAG_COLUMNS, KNOWN
    from rehabplan.models.profile import Availability, Pain, Profile

    documented = {c.name for c in COLUMNS} - {"red_flag_<name>"}
    assert documented | set(FLAG_COLUMNS) == set(KNOWN)
    required = {c.name for c in COLUMNS if c.required}
    model_required = {n for n, f in Profile.model_fields.items() if f.is_required()}
    nested = {"pain": Pain, "availability": Availability}
    expected = {n for n in model_required if n not in nested}
    for section, model in nested.items():
        expected |= {f"{section}_{n}" for n, f in model.model_fields.items() if f.is_required()}
    assert required == expected


def test_readme_documents_every_csv_column():
    """Clinics build their exports from the README's table: it must not fall behind the code."""
    from pathlib import Path

    from rehabplan.batch.columns import COLUMNS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [c.name for c in COLUMNS if f"| `{c.name}` |" not in readme]
    assert not missing, f"README.md's CSV table lacks: {missing}"


def test_a_retry_that_finds_its_own_runs_files_reports_them_made(tmp_path, bx):
    """Dask (or the local pool) re-runs a patient whose worker died after writing: that
    patient was made by this run, so it is done, not 'unchanged since the last run'."""
    from dataclasses import replace

    from rehabplan.batch.worker import process_patient

    (task,) = _prepare(bx.write_csv(tmp_path / "p.csv", [bx.row()]), tmp_path).tasks
    assert process_patient(task).status == "done"
    assert process_patient(task).status == "done"  # the retry, same run
    later = replace(task, run_id="another-run")
    assert process_patient(later).status == "skipped-unchanged"
