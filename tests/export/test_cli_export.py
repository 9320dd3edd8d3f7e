"""``rehabplan plan`` writes the exports a user asked for, as a user would run it."""

from __future__ import annotations

import io
import json
import re

import icalendar
import pikepdf


def test_all_formats_on_letter_paper(run_cli, tmp_path, helpers):
    examples = helpers.plan_for.__globals__["EXAMPLES"]
    out = tmp_path / "out"
    result = run_cli(
        "plan", examples / "zoe-mcl-grade2-miles.yaml", "--out", out,
        "--format", "pdf,ics,json,html", "--paper", "letter", "--no-alarm",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {
        "plan.json",
        "handout.pdf",
        "plan.ics",
        "handout.html",
    }
    plan = json.loads((out / "plan.json").read_text())
    with pikepdf.open(io.BytesIO((out / "handout.pdf").read_bytes())) as doc:
        assert [round(float(v)) for v in doc.pages[0].mediabox[2:]] == [612, 792]
        pages = len(doc.pages)
    cal = icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert {s["uid"] for s in plan["sessions"]} <= uids
    assert not cal.walk("VALARM")
    # handout.html is the exact input of the PDF: rendering it again gives the same pages.
    html = (out / "handout.html").read_text(encoding="utf-8")
    assert "size: letter" in html and plan["plan_id"] in html
    import weasyprint

    assert len(weasyprint.HTML(string=html).render().pages) == pages
    text = helpers.pdf_text((out / "handout.pdf").read_bytes(), tmp_path)
    assert re.search(rf"Page 1 of {pages}\b", text)


def test_red_flags_write_a_referral_letter(run_cli, tmp_path, helpers):
    examples = helpers.plan_for.__globals__["EXAMPLES"]
    out = tmp_path / "out"
    result = run_cli("plan", examples / "tomas-red-flags.yaml", "--out", out)
    assert result.returncode == 3, result.stderr
    assert (out / "referral.pdf").is_file() and not (out / "handout.pdf").exists()
    text = helpers.pdf_text((out / "referral.pdf").read_bytes(), tmp_path)
    assert "see a doctor" in text and "Your exercises" not in text
