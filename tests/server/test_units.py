"""Pure pieces of the server: line folding, tokens, the form mapping, the pain chart."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from rehabplan.server.feeds import unfold_fold_replace
from rehabplan.server.forms import PatientForm, input_for
from rehabplan.server.views import pain_chart
from rehabplan.tokens import checkin_token, new_token, token_hash, well_formed

NEEDLE = b"https://checkin.rehabplan.invalid/c/CHECKIN-TOKEN"


def _fold_like_a_client(line: str) -> bytes:
    raw = line.encode()
    out, limit = [], 75
    while len(raw) > limit:
        cut = limit
        while (raw[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(raw[:cut])
        raw, limit = raw[cut:], 74
    return b"\r\n ".join([*out, raw])


@given(
    before=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=120),
    link=st.from_regex(r"https://[a-z.]{1,40}/c/[A-Za-z0-9_-]{43}", fullmatch=True),
)
def test_replacing_the_check_in_link_keeps_valid_folded_lines(before, link):
    line = f"DESCRIPTION:{before} {NEEDLE.decode()} end"
    ics = b"BEGIN:VEVENT\r\n" + _fold_like_a_client(line) + b"\r\nEND:VEVENT\r\n"
    out = unfold_fold_replace(ics, NEEDLE, link.encode())
    lines = out.split(b"\r\n")
    assert all(len(x) <= 75 for x in lines)
    for x in lines:
        x.decode("utf-8")  # no line ends in the middle of a character
    assert out.replace(b"\r\n ", b"") == (
        b"BEGIN:VEVENT\r\n" + f"DESCRIPTION:{before} {link} end".encode() + b"\r\nEND:VEVENT\r\n"
    )


def test_tokens_are_256_bit_urlsafe_and_hashed():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in list(tokens)[:50]:
        assert well_formed(token) and well_formed(checkin_token(token))
        assert re.fullmatch(r"[0-9a-f]{64}", token_hash(token))
        assert checkin_token(token) != token
        assert checkin_token(token) == checkin_token(token)


def test_form_problems_land_next_to_their_inputs():
    assert input_for("pain.running") == "pain_running"
    assert input_for("availability.days[2]") == "days"
    assert input_for("availability.time") == "time"
    assert input_for("red_flags.fever") == "red_flags"
    assert input_for("factors[1]") == "factors"
    assert input_for("") is None


def test_the_form_gives_the_cli_the_same_mapping_a_yaml_file_would():
    from rehabplan.profile_io import profile_from_mapping

    form = PatientForm(values={
        "patient_id": "P-9", "name": "Zoë", "age": "41", "side": "right",
        "condition": "mcl_sprain_grade_1", "pain_rest": "0", "pain_running": "4",
        "pain_daily": "1", "start_date": "2026-03-28", "timezone": "Europe/London",
        "days": ["tue", "sat"], "time": "18:15", "goal_weekly_km": "30", "units": "mi",
        "factors": ["overuse"], "equipment": ["band"], "cross_training": ["pool"],
        "red_flags": [], "cleared_by_clinician": False, "language": "en",
    })  # fmt: skip
    profile = profile_from_mapping(form.mapping(), "form")
    assert profile.units.value == "mi" and profile.goal_weekly_km == 30
    assert [d.value for d in profile.availability.days] == ["tue", "sat"]
    assert profile.availability.time.hour == 18 and profile.name == "Zoë"
    again = PatientForm.from_profile(profile, include_details=True)
    assert profile_from_mapping(again.mapping(), "form") == profile


def test_pain_chart_describes_every_point_in_words():
    svg = pain_chart([
        {"date": "2026-03-02", "pain_during": 3, "pain_next_morning": None},
        {"date": "2026-03-04", "pain_during": 6, "pain_next_morning": 4},
    ])  # fmt: skip
    assert svg is not None and 'role="img"' in svg
    assert "2026-03-02: during 3 next morning not given" in svg
    assert "2026-03-04: during 6 next morning 4" in svg
    assert svg.count("<circle") == 3
    assert pain_chart([{"date": "2026-03-02", "status": "skipped"}]) is None


def _cli(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "rehabplan", *args], input=stdin,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})  # fmt: skip


def test_user_add_refuses_duplicates_and_short_passwords(tmp_path):
    db = {"REHABPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'u.db'}"}
    ok = _cli("user", "add", "anna", "--password-stdin", stdin="a long password\n", env=db)
    assert ok.returncode == 0, ok.stderr
    again = _cli("user", "add", "anna", "--password-stdin", stdin="a long password\n", env=db)
    assert again.returncode == 2 and "already exists" in again.stderr
    short = _cli("user", "add", "bob", "--password-stdin", stdin="short\n", env=db)
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert "Traceback" not in again.stderr + short.stderr
    listed = _cli("user", "list", env=db)
    assert listed.stdout.startswith("anna\t")
    raw = (tmp_path / "u.db").read_bytes()
    assert b"a long password" not in raw and b"$argon2id$" in raw


def test_serve_reports_an_unusable_database_without_a_traceback(tmp_path):
    bad = _cli("serve", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert bad.returncode == 2
    assert "cannot open the database" in bad.stderr and "Traceback" not in bad.stderr
