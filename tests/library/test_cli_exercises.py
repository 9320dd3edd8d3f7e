"""``rehabplan exercises`` as a user runs it: exit codes, messages and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BROKEN = Path(__file__).parent / "fixtures" / "broken"


def test_validate_shipped_library_exits_0(run_cli):
    result = run_cli("exercises", "validate")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "protocol.yaml" in result.stdout


def test_validate_broken_library_lists_every_problem(run_cli):
    result = run_cli("exercises", "validate", BROKEN)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    err = result.stderr
    expected = [
        ("bad_yaml.yaml", "is not valid YAML (line 3"),
        ("dangling_link.yaml", "progression: refers to unknown exercise id 'does_not_exist'"),
        ("unknown_condition.yaml", "contraindications[0].condition: must be one of"),
        ("unknown_condition.yaml", "got 'acl_tear'"),
        ("unknown_equipment.yaml", "equipment[0]: must be one of"),
        ("unknown_phase.yaml", "phases[1]: must be one of acute, strengthening or return_to_run"),
        ("duplicate_b.yaml", "duplicate id 'shared_id'"),
        ("missing_instructions.yaml", "instructions: is required but missing"),
        ("pain_range.yaml", "dose.acute.sets: must be between 1 and 10, got 12"),
        ("missing_picture.yaml", "illustration: file illustrations/nowhere.svg does not exist"),
        ("dose_mismatch.yaml", "dose is missing for phase(s) strengthening"),
        ("typo_field.yaml", "progresion: is not a known field"),
        ("truncated_picture.yaml", "illustrations/truncated_picture.svg is not valid SVG"),
        ("external_picture.yaml", "refers to 'file:///etc/passwd'"),
        ("pain_number.yaml", "pain_rule must not give its own pain numbers"),
    ]
    lines = err.splitlines()
    for filename, message in expected:
        assert any(filename in line and message in line for line in lines), (filename, message, err)
    # the one valid file is not reported
    assert "valid_one.yaml" not in err


def test_validate_missing_directory_is_exit_2(run_cli, tmp_path):
    result = run_cli("exercises", "validate", tmp_path / "nowhere")
    assert result.returncode == 2
    assert "is not a directory" in result.stderr


def test_list_json_has_the_documented_fields(run_cli, library):
    result = run_cli("exercises", "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == len(library)
    for item in data:
        for key in ("id", "name", "phases", "equipment", "contraindications", "instructions"):
            assert key in item, (item.get("id"), key)
        for contra in item["contraindications"]:
            assert set(contra) >= {"condition", "reason"}


def test_list_filters_combine(run_cli, library):
    result = run_cli(
        "exercises", "list", "--json", "--phase", "acute", "--region", "quadriceps",
        "--safe-for", "mcl_sprain_grade_2",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert data, "some quadriceps work must be possible in the acute phase of an MCL sprain"
    for item in data:
        assert "acute" in item["phases"] and "quadriceps" in item["regions"]
        assert all(c["condition"] != "mcl_sprain_grade_2" for c in item["contraindications"])


def test_list_equipment_filter_leaves_out_what_the_patient_lacks(run_cli):
    none = json.loads(run_cli("exercises", "list", "--json", "--equipment", "band").stdout)
    assert none
    household = {"chair", "wall", "stair", "towel", "mat", "ice_pack", "pillow"}
    for item in none:
        assert set(item["equipment"]) <= household | {"band"}, item["id"]


def test_list_table_is_readable(run_cli, library):
    result = run_cli("exercises", "list", "--phase", "return_to_run")
    assert result.returncode == 0
    some = next(ex for ex in library if "return_to_run" in [p.value for p in ex.phases])
    assert some.id in result.stdout


def test_show_prints_a_card(run_cli, library):
    ex = next(iter(library))
    result = run_cli("exercises", "show", ex.id)
    assert result.returncode == 0
    assert ex.name in result.stdout
    assert ex.instructions[0][:30] in result.stdout
    assert "Pain rule" in result.stdout


def test_show_says_how_each_kit_makes_it_heavier(run_cli, library):
    result = run_cli("exercises", "show", "glute_bridge")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Making it heavier")
    shown = {line.split()[0]: " ".join(line.split()[1:]) for line in lines[start + 1 : start + 5]}
    assert shown == {k.value: v for k, v in library.get("glute_bridge").loading.items()}
    # an exercise that progresses by a harder variant has no such section
    plain = run_cli("exercises", "show", "dead_bug")
    assert "Making it heavier" not in plain.stdout


def test_show_unknown_id_suggests_close_matches(run_cli, library):
    ex = next(iter(library))
    result = run_cli("exercises", "show", ex.id + "x")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert ex.id in result.stderr


def test_help_does_not_import_weasyprint(run_cli):
    code = (
        "import sys, runpy\n"
        "sys.argv = ['rehabplan', '--help']\n"
        "try:\n    runpy.run_module('rehabplan', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('weasyprint', 'jinja2', 'icalendar', 'pydantic')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_a_full_disk_behind_stdout_is_one_line_and_exit_4(tmp_path):
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux)")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "rehabplan", "exercises", "list",
                                 "--json"], stdout=full, stderr=subprocess.PIPE, text=True,
                                timeout=60)  # fmt: skip
    assert result.returncode == 4
    assert result.stderr.strip() == "error: cannot write the output: No space left on device"
