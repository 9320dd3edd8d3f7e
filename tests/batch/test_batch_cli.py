"""``rehabplan batch`` as a clinic uses it: mixed good, red-flag and broken rows."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from rehabplan.errors import EXIT_INVALID, EXIT_OK, EXIT_PARTIAL

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _plan(out, pid):
    return json.loads((out / pid / "plan.json").read_text(encoding="utf-8"))


def test_mixed_csv_reports_every_row_and_never_stops(tmp_path, bx):
    header = [*bx.HEADER, "red_flag_fever", "insurance"]
    rows = [
        bx.row(patient_id="P-001", name="Zoë Brontë", insurance="AOK 123"),  # row 2
        bx.row(patient_id="P-002", name="Ångström Ødegård", condition="mcl_sprain_grade_1",
               timezone="America/New_York", availability_days="tue;thu;sat"),  # row 3
        bx.row(patient_id="P-003", red_flags="locking; trauma_with_immediate_swelling"),  # 4
        bx.row(patient_id="P-004", red_flag_fever="Yes"),  # row 5
        bx.row(patient_id="P-005", pain_running="12"),  # row 6
        bx.row(patient_id="P-006", condition="runners_knee"),  # row 7
        bx.row(patient_id="P-007", age=""),  # row 8
        bx.row(patient_id="P-008", timezone="Europe/Londn"),  # row 9
        bx.row(patient_id="P-001", name="Somebody Else"),  # row 10: duplicate
        bx.row(patient_id="P-009", red_flag_fever="no", red_flags=""),  # row 11
    ]  # fmt: skip
    bx.write_csv(tmp_path / "patients.csv", rows, header=header)

    proc = bx.run("patients.csv", "--out", "out", "--formats", "json", "--jobs", "2", cwd=tmp_path)

    assert proc.returncode == EXIT_PARTIAL, proc.stderr
    out = tmp_path / "out"
    rep = bx.report(out)
    rows_ = bx.by_row(rep)
    assert sorted(rows_) == list(range(2, 12))
    assert rep["totals"] == {
        "rows": 10, "done": 3, "referred": 2, "failed": 5,
        "skipped_unchanged": 0, "not_processed": 0,
    }  # fmt: skip
    assert rep["complete"] is True

    # Good rows: a plan each, for the right person (the duplicate did not overwrite P-001).
    for pid, name in [("P-001", "Zoë Brontë"), ("P-002", "Ångström Ødegård")]:
        plan = _plan(out, pid)
        assert plan["patient_id"] == pid
        assert plan["patient"]["name"] == name
    assert _plan(out, "P-002")["timezone"] == "America/New_York"
    assert _plan(out, "P-009")["patient_id"] == "P-009"  # "no" is not a red flag
    assert rows_[2]["status"] == "done" and rows_[2]["files"] == ["P-001/plan.json"]

    # Red flags: a referral instead of a plan, whichever column said so.
    for row_no, pid, flags in [(4, "P-003", {"locking", "trauma_with_immediate_swelling"}),
                               (5, "P-004", {"fever"})]:  # fmt: skip
        assert rows_[row_no]["status"] == "referred"
        referral = json.loads((out / pid / "referral.json").read_text(encoding="utf-8"))
        assert {f["flag"] for f in referral["findings"]} == flags
        assert not (out / pid / "plan.json").exists()

    # Broken rows: reported with row, patient_id and the field; no folder made.
    expected = {
        6: ("P-005", "pain.running", "between 0 and 10, got 12"),
        7: ("P-006", "condition", "runners_knee"),
        8: ("P-007", "age", "required"),
        9: ("P-008", "timezone", "Europe/London"),
        10: ("P-001", "patient_id", "duplicate patient_id, first seen in row 2"),
    }
    for row_no, (pid, field, words) in expected.items():
        entry = rows_[row_no]
        assert entry["status"] == "failed"
        assert entry["patient_id"] == pid
        assert entry["problems"][0]["field"] == field
        assert words in entry["reason"]
        assert entry["files"] == []
        line = f"patients.csv, row {row_no} ({pid}): {field}: "
        assert line in proc.stdout, proc.stdout
    for pid in ("P-005", "P-006", "P-007", "P-008"):
        assert not (out / pid).exists()

    assert "10 rows" in proc.stdout and "3 done, 2 referred, 5 failed" in proc.stdout
    assert "insurance" in proc.stderr and "ignoring columns" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_jsonl_with_broken_lines(tmp_path, bx):
    bx.write_jsonl(
        tmp_path / "export.jsonl",
        [
            bx.profile(patient_id="J-001"),  # line 1
            "",  # line 2: blank, skipped
            bx.profile(patient_id="J-002", red_flags={"instability": True}),  # line 3
            '{"patient_id": "J-003", "age": 40,',  # line 4: cut off
            "[1, 2, 3]",  # line 5: not an object
            bx.profile(patient_id="J-004", conditon="patellofemoral_pain"),  # line 6: typo
            bx.profile(patient_id="J-005", pain={"rest": 1, "running": 3}),  # line 7
        ],
    )
    proc = bx.run("export.jsonl", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_PARTIAL, proc.stderr
    out = tmp_path / "out"
    rows = bx.by_row(bx.report(out))
    assert sorted(rows) == [1, 3, 4, 5, 6, 7]
    assert rows[1]["status"] == "done" and _plan(out, "J-001")["patient"]["name"] == "Łukasz Żółć"
    assert rows[3]["status"] == "referred"
    assert "not valid JSON" in rows[4]["reason"]
    assert "JSON object" in rows[5]["reason"] and "list" in rows[5]["reason"]
    assert rows[6]["patient_id"] == "J-004"
    assert "conditon" in rows[6]["reason"] and "did you mean condition" in rows[6]["reason"]
    assert rows[7]["problems"] == [{"field": "pain.daily", "message": "is required but missing"}]
    assert "export.jsonl, line 4: is not valid JSON" in proc.stdout
    assert "export.jsonl, line 7 (J-005): pain.daily: is required but missing" in proc.stdout


def test_excel_european_csv_semicolons_bom_decimal_commas(tmp_path, bx):
    rows = [
        bx.row(patient_id="E-1", name="Søren Kierkegård", baseline_weekly_km="30,5",
               availability_time="07:30:00"),
        bx.row(patient_id="E-2", name="Amélie Poulain", factors="overuse;footwear",
               red_flags="instability;locking"),
    ]  # fmt: skip
    bx.write_csv(tmp_path / "export.csv", rows, delimiter=";", bom=True)
    proc = bx.run("export.csv", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    out = tmp_path / "out"
    plan = _plan(out, "E-1")
    assert plan["patient"]["name"] == "Søren Kierkegård"
    assert plan["patient"]["factors"] == ["overuse", "muscle_imbalance"]
    first = plan["sessions"][0]
    assert first["start_time"].startswith("07:30")
    referral = json.loads((out / "E-2" / "referral.json").read_text(encoding="utf-8"))
    assert {f["flag"] for f in referral["findings"]} == {"instability", "locking"}


def test_tab_separated_and_odd_headers(tmp_path, bx):
    r = bx.row(patient_id="T-1")
    header = [h.replace("_", " ").title() for h in bx.HEADER]  # "Pain Running", "Patient Id"
    data = [{h: r[k] for h, k in zip(header, bx.HEADER, strict=True)}]
    bx.write_csv(tmp_path / "p.tsv", data, delimiter="\t", header=header)
    proc = bx.run("p.tsv", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    assert _plan(tmp_path / "out", "T-1")["patient_id"] == "T-1"


def test_row_numbers_match_the_spreadsheet(tmp_path, bx):
    """Multi-line cells and blank rows must not shift the row numbers a clinician sees."""
    header = [*bx.HEADER, "notes"]
    rows = [
        bx.row(patient_id="R-1", notes="first line\nsecond line\nthird line"),  # row 2
        bx.row(patient_id="R-2", pain_rest="eleven"),  # row 3
    ]
    path = bx.write_csv(tmp_path / "p.csv", rows, header=header)
    text = path.read_bytes().decode("utf-8")
    path.write_bytes((text + ",,,,,\r\n" + text.split("\r\n", 1)[1]).encode())  # 4 is blank
    proc = bx.run("p.csv", "--out", "out", "--formats", "json", cwd=tmp_path)
    rows_ = bx.by_row(bx.report(tmp_path / "out"))
    assert rows_[3]["problems"][0]["field"] == "pain.rest"
    assert rows_[3]["status"] == "failed"
    # the repeated rows after the blank spreadsheet row 4 are rows 5 and 6
    assert rows_[5]["reason"] == "patient_id: duplicate patient_id, first seen in row 2"
    assert rows_[6]["status"] == "failed"
    assert "p.csv, row 3 (R-2): pain.rest: must be a whole number" in proc.stdout


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (None, "missing.csv", "file not found"),
        (b"", "empty.csv", "is empty"),
        (b"patient_id,age,side\r\n", "header-only.csv", "no patient rows"),
        (b"P-1,34,left\r\nP-2,40,right\r\n", "noheader.csv", "no header row"),
        (b"name,age,side\r\nAnn,34,left\r\n", "noid.csv", "no patient_id column"),
        (b"PK\x03\x04\x14\x00\x06\x00", "clinic.xlsx", "CSV UTF-8"),
        ("patient_id,name\r\nP-1,Jos\xe9\r\n".encode("latin-1"), "latin1.csv", "not UTF-8"),
        (b"patient_id,red_flag_lockingg\r\nP-1,yes\r\n", "flag.csv", "red_flag_locking?"),
        (b'[{"patient_id": "P-1"}]', "all.json", "JSON array"),
        (b'{\n  "patient_id": "P-1",\n  "age": 30\n}\n', "one.json", "one patient object per"),
        (b"patient_id,age,age\r\nP-1,3,4\r\n", "twice.csv", "appears twice"),
        (b",,,,\r\n", "cells.csv", "is empty"),
        (b"patient_id,redflag_locking\r\nP-1,yes\r\n", "flag2.csv", "not a known red flag"),
        (b"patient_id,Red Flags: Fever\r\nP-1,yes\r\n", "flag3.csv", "not a known red flag"),
        (b"patient_id,locking\r\nP-1,yes\r\n", "flag4.csv", "not a known red flag"),
        (b"patient_id,age,side\r\nP-1,34,left\r\n", "csv.jsonl", "looks like CSV"),
        (b'{"patient_id": "P-1"}\n', "lines.csv", "looks like JSON lines"),
    ],
)
def test_unreadable_file_exits_2_and_writes_nothing(tmp_path, bx, content, name, words):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    proc = bx.run(name, "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_INVALID
    assert name in proc.stderr and words in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_format_exits_2(tmp_path, bx):
    bx.write_csv(tmp_path / "p.csv", [bx.row()])
    proc = bx.run("p.csv", "--out", "out", "--formats", "docx", cwd=tmp_path)
    assert proc.returncode == EXIT_INVALID and "docx" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_rows_without_start_date_use_the_start_option(tmp_path, bx):
    bx.write_csv(tmp_path / "p.csv", [bx.row(patient_id="S-1", start_date="")])
    proc = bx.run("p.csv", "--out", "out", "--formats", "json", "--start", "2026-07-06",
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == EXIT_OK, proc.stderr
    assert _plan(tmp_path / "out", "S-1")["start_date"] == "2026-07-06"


def test_plain_progress_lines_when_not_a_terminal(tmp_path, bx):
    bx.write_csv(tmp_path / "p.csv", [*bx.varied(3), bx.row(patient_id="X-9", age="7")])
    proc = bx.run("p.csv", "--out", "out", "--formats", "json", cwd=tmp_path)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert len(lines) == 4
    assert "[1/4] failed X-9" in lines  # bad rows are known before any worker starts
    assert lines[-1].startswith("[4/4] done P")
    assert "\x1b[" not in proc.stderr  # no terminal control codes in logs


def test_full_outputs_pdf_ics_json(tmp_path, bx):
    """At least one batch makes real handouts: PDF text, calendar and plan agree."""
    if not bx.have_exporters():
        pytest.skip("PDF/ICS exporters not installed in this checkout yet")
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    import pikepdf
    from icalendar import Calendar

    rows = [
        bx.row(patient_id="F-1", name="Zoë Brontë"),
        bx.row(patient_id="F-2", name="Tomás Ruiz", red_flags="locking"),
    ]
    bx.write_csv(tmp_path / "p.csv", rows)
    proc = bx.run("p.csv", "--out", "out", "--jobs", "2", cwd=tmp_path)
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    out = tmp_path / "out"

    folder = out / "F-1"
    assert {p.name for p in folder.iterdir()} == {
        "handout.pdf", "plan.ics", "plan.json", ".rehabplan-done.json"
    }  # fmt: skip
    with pikepdf.open(folder / "handout.pdf") as pdf:
        assert len(pdf.pages) >= 1
    text = subprocess.run(
        [pdftotext, str(folder / "handout.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Zoë Brontë" in text
    plan = _plan(out, "F-1")
    cal = Calendar.from_ical((folder / "plan.ics").read_bytes())
    # One event per session plus one all-day marker per phase start.
    events = cal.walk("VEVENT")
    phase_starts = [ev for ev in events if "Phase start" in str(ev.get("CATEGORIES").to_ical())]
    assert len(phase_starts) == len(plan["phases"])
    uids = {str(ev["UID"]) for ev in events if ev not in phase_starts}
    assert uids == {s["uid"] for s in plan["sessions"]}

    referred = out / "F-2"
    assert (referred / "referral.pdf").is_file() and (referred / "referral.json").is_file()
    assert not (referred / "handout.pdf").exists() and not (referred / "plan.ics").exists()
    letter = subprocess.run(
        [pdftotext, str(referred / "referral.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Tomás Ruiz" in letter


def test_clinic_branding_reaches_every_handout_and_a_missing_file_is_refused(tmp_path, bx):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None or not bx.have_exporters():
        pytest.skip("needs pdftotext (apt-get install poppler-utils) and WeasyPrint")
    (tmp_path / "clinic.yaml").write_text(
        "name: Clínica Río Sport\naddress: [Calle Mayor 1, 28013 Madrid]\n"
        'phone: "+34 910 000 000"\n',
        encoding="utf-8",
    )
    bx.write_csv(tmp_path / "p.csv", [bx.row(patient_id="C-1")])

    missing = bx.run("p.csv", "--out", "out", "--clinic", "nope.yaml", cwd=tmp_path)
    assert missing.returncode == EXIT_INVALID
    assert "nope.yaml" in missing.stderr
    assert not (tmp_path / "out").exists()
    # Checked once before any patient, whatever the formats: a broken clinic file must not
    # fail every row (and take every patient's earlier handout with it).
    (tmp_path / "typo.yaml").write_text("name: A\nfax: 123\n", encoding="utf-8")
    for args in (["--clinic", "typo.yaml"], ["--pdf-variant", "pdf/zz"]):
        bad = bx.run("p.csv", "--out", "out", "--formats", "json", *args, cwd=tmp_path)
        assert bad.returncode == EXIT_INVALID, bad.stdout
        assert ("typo.yaml: fax" in bad.stderr) or ("pdf/zz" in bad.stderr)
        assert not (tmp_path / "out").exists()

    proc = bx.run("p.csv", "--out", "out", "--formats", "pdf", "--clinic", "clinic.yaml",
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    text = subprocess.run(
        [pdftotext, str(tmp_path / "out" / "C-1" / "handout.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Clínica Río Sport" in text and "28013 Madrid" in text


def test_an_unclosed_quote_stops_the_file_before_rows_vanish(tmp_path, bx):
    """One stray quote would read every later row into one cell: those patients would
    silently drop out and their data land in another patient's plan."""
    path = bx.write_csv(tmp_path / "p.csv", bx.varied(4), header=[*bx.HEADER, "clinician_note"])
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    lines[2] = lines[2] + '"seen 3/2'  # row 3: the note opens a quote that never closes
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    proc = bx.run("p.csv", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_INVALID, proc.stdout
    assert "row 3, column clinician_note" in proc.stderr and "quote" in proc.stderr
    assert not (tmp_path / "out").exists()
    # Closed again two rows later: still refused, naming how many lines were swallowed.
    lines[4] = lines[4] + '"'
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    proc = bx.run("p.csv", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_INVALID and "row 3, column clinician_note" in proc.stderr


def test_an_inch_mark_in_a_cell_is_not_a_quote(tmp_path, bx):
    rows = [bx.row(name='Ana 5" brace'), bx.row(patient_id="P-002")]
    bx.write_csv(tmp_path / "p.csv", rows)
    text = (tmp_path / "p.csv").read_text("utf-8").replace('"Ana 5"" brace"', 'Ana 5" brace')
    (tmp_path / "p.csv").write_text(text, "utf-8")
    proc = bx.run("p.csv", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _plan(tmp_path / "out", "P-001")["patient"]["name"] == 'Ana 5" brace'


def test_absurd_values_are_row_problems_not_crashes(tmp_path, bx):
    deep = "[" * 5000 + "]" * 5000
    bx.write_jsonl(tmp_path / "p.jsonl", [
        bx.profile(),
        deep,
        bx.profile(patient_id="J-002", age=10**400),
        bx.profile(patient_id="J-003", start_date="9999-12-31"),
    ])  # fmt: skip
    proc = bx.run("p.jsonl", "--out", "out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    rows = bx.by_row(bx.report(tmp_path / "out"))
    assert rows[1]["status"] == "done"
    assert "nested too deeply" in rows[2]["reason"]
    assert "age: must be between 12 and 100, got 100000000000… (401 digits)" in rows[3]["reason"]
    assert "start_date: must be between 2000-01-01 and 2099-12-31" in rows[4]["reason"]


def test_a_row_that_now_fails_takes_its_old_outputs_with_it(tmp_path, bx):
    """A patient planned yesterday whose row now fails (a red flag typed wrongly, an age
    mistyped) must not keep a handout that looks current."""
    rows = bx.varied(2)
    bx.write_csv(tmp_path / "p.csv", rows)
    assert bx.run("p.csv", "--out", "out", "--formats", "json,ics", cwd=tmp_path).returncode == 0
    first = tmp_path / "out" / rows[0]["patient_id"]
    assert (first / "plan.json").exists()
    rows[0]["age"] = "520"
    bx.write_csv(tmp_path / "p.csv", rows)
    proc = bx.run("p.csv", "--out", "out", "--formats", "json,ics", cwd=tmp_path)
    assert proc.returncode == 1
    assert sorted(p.name for p in first.iterdir()) == []
    assert (tmp_path / "out" / rows[1]["patient_id"] / "plan.json").exists()


def test_an_output_folder_that_cannot_be_written_is_one_message(tmp_path, bx):
    bx.write_csv(tmp_path / "p.csv", [bx.row()])
    # /proc refuses new folders even to root, as a read-only mount or a full quota would.
    proc = bx.run("p.csv", "--out", "/proc/rehabplan-out", "--formats", "json", cwd=tmp_path)
    assert proc.returncode == EXIT_INVALID, proc.stderr
    assert "/proc/rehabplan-out: cannot be written to (--out)" in proc.stderr
    assert "Traceback" not in proc.stderr
