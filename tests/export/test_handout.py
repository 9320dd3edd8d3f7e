"""The printed handout, read back the way a user meets it: PDF text, pages, fonts, tags."""

from __future__ import annotations

import io
import itertools
import re
import subprocess

import pikepdf
import pytest

from rehabplan.errors import InputError
from rehabplan.vocab import RedFlag

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)

# Each red flag must be recognisable in the "stop and contact your clinician" list.
RED_FLAG_WORDS = {
    RedFlag.PERSISTENT_PAIN_DESPITE_REST: "not eased after several days of rest",
    RedFlag.SWELLING_WARMTH_REDNESS: "swells and feels warm",
    RedFlag.LIMITED_RANGE_OF_MOTION: "cannot fully bend or fully straighten",
    RedFlag.INSTABILITY: "gives way",
    RedFlag.PAIN_IN_DAILY_ACTIVITIES: "climbing stairs",
    RedFlag.LOCKING: "locks",
    RedFlag.FEVER: "fever",
    RedFlag.TRAUMA_WITH_IMMEDIATE_SWELLING: "within hours of a fall",
}


def dose_core(ex) -> str:
    """The numbers a runner must see, written from plan.json fields independently."""
    if ex.duration_min and not ex.reps:
        return f"{ex.duration_min} min"
    if ex.reps:
        return f"{ex.sets} × {ex.reps}"
    return f"{ex.sets} × {ex.hold_s} s"


def page_sizes(pdf: bytes) -> set[tuple[float, float]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return {tuple(round(float(v), 2) for v in page.mediabox[2:]) for page in doc.pages}


def font_names(pdf: bytes) -> set[str]:
    names = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            fonts = page.resources.get("/Font", {})
            for _, font in fonts.items():
                names.add(str(font.get("/BaseFont", "")))
    return names


def test_every_exercise_name_and_dose_is_printed(berlin_a4, helpers):
    text = berlin_a4.text
    for session in berlin_a4.plan.sessions:
        for ex in session.exercises:
            assert helpers.squash(ex.name) in text, ex.name
            assert dose_core(ex) in text, (ex.name, dose_core(ex))


def test_home_care_and_all_advice_from_the_plan_are_printed(berlin_a4, helpers):
    text = berlin_a4.text
    for advice in berlin_a4.plan.advice:
        assert helpers.squash(advice.text) in text, advice.topic
    # The source article's home care, as the patient must read it.
    assert re.search(r"15 to 20 minutes", text)
    assert "cloth" in text
    assert re.search(r"sleeve|bandage", text)
    assert "higher than your heart" in text


def test_red_flag_list_covers_every_flag(berlin_a4):
    assert "Stop and contact your clinician if" in berlin_a4.text
    for flag, words in RED_FLAG_WORDS.items():
        assert words in berlin_a4.text, flag


def test_cover_phases_dates_and_run_walk_table(berlin_a4):
    plan, text = berlin_a4.plan, berlin_a4.text
    assert plan.patient.name in text
    assert "Left knee" in text
    for day in (plan.start_date, plan.end_date):
        assert f"{day:%a} {day.day} {day:%b %Y}" in text
    for phase in plan.phases:
        assert phase.title in text
        for criterion in phase.exit_criteria:
            assert " ".join(criterion.split()) in text
    for criterion in plan.return_to_run_criteria:
        assert " ".join(criterion.split()) in text
    for stage in plan.run_walk_stages:
        for d in stage.dates:
            assert f"{d:%a} {d.day} {d:%b}" in text
    # Weekly load in the patient's units (km here).
    first_running = next(w for w in plan.weekly_load if w.run_minutes)
    assert f"{first_running.run_distance:.1f} km" in text


def test_diary_has_a_row_per_session(berlin_a4):
    plan, text = berlin_a4.plan, berlin_a4.text
    assert "Pain and exercise diary" in text
    diary = text[text.index("Pain and exercise diary") :]
    rows = re.findall(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} · ", diary)
    assert len(rows) == sum(1 for s in plan.sessions if s.kind.value != "review")


def test_list_markers_are_printed(berlin_a4, helpers):
    from html import unescape

    # pdf.py renders with a lean user-agent stylesheet; numbers and bullets must survive.
    text = berlin_a4.text
    first_card = berlin_a4.html.split('<article class="card" data-shared>', 2)[1]
    first_step = re.search(r"<ol><li>([^<]+)</li>", first_card).group(1)
    assert "1. " + helpers.squash(unescape(first_step)) in text
    assert "• " in text


def test_footer_page_x_of_y_and_plan_id(berlin_a4):
    with pikepdf.open(io.BytesIO(berlin_a4.pdf)) as doc:
        pages = len(doc.pages)
    assert pages >= 12
    assert "Page 1 of " + str(pages) in berlin_a4.text
    assert f"Page {pages} of {pages}" in berlin_a4.text
    assert berlin_a4.text.count(f"Plan {berlin_a4.plan.plan_id}") == pages


def test_feed_qr_and_webcal_link(berlin_a4):
    assert "webcal://rehab.example/feeds/Tok3n.ics" in berlin_a4.text
    assert 'alt="QR code' in berlin_a4.html


def test_qpdf_check_passes(berlin_a4, new_york_letter_ua, tmp_path, helpers):
    qpdf = helpers.tool("qpdf")
    for name, pdf in (("a4", berlin_a4.pdf), ("ua", new_york_letter_ua.pdf)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_paper_sizes(berlin_a4, new_york_letter_ua):
    assert page_sizes(berlin_a4.pdf) == {A4}
    assert page_sizes(new_york_letter_ua.pdf) == {LETTER}


def test_shipped_font_is_embedded_not_system_fonts(berlin_a4, new_york_letter_ua):
    for pdf in (berlin_a4.pdf, new_york_letter_ua.pdf):
        names = font_names(pdf)
        assert names, "no fonts found"
        assert all("Rehab-Sans" in n for n in names), names
        assert not any("DejaVu" in n or "Liberation" in n for n in names)


def test_pdf_ua_is_tagged_with_language_and_title(new_york_letter_ua):
    with pikepdf.open(io.BytesIO(new_york_letter_ua.pdf)) as doc:
        root = doc.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked)
        assert str(root.Lang) == "en-US"
        with doc.open_metadata() as meta:
            assert "knee rehabilitation plan" in meta.get("dc:title", "").lower()
    assert 'alt="Drawing of the' in new_york_letter_ua.html


def test_miles_for_a_runner_who_counts_in_miles(new_york_letter_ua):
    assert re.search(r"\d+\.\d mi\b", new_york_letter_ua.text)
    assert " km" not in new_york_letter_ua.text.replace("600 to 800 km", "")


def test_awkward_name_and_notes_render(awkward_a4, helpers):
    text = awkward_a4.text
    assert "O'Brien-Núñez, Jr.; “Ça va”" in text
    assert "Łódź" in text
    assert "naïve café, 5 × 30 s; back\\slash" in text


def test_unknown_pdf_variant_is_an_input_error(berlin_plan, helpers):
    from rehabplan.export.pdf import render_pdf

    with pytest.raises(InputError, match="pdf/ua-1"):
        render_pdf("<html><body>x</body></html>", helpers.options(pdf_variant="pdf/zz"))


def test_html_stands_on_its_own(berlin_a4):
    html = berlin_a4.html
    assert html.startswith("<!DOCTYPE html>")
    # The Berlin runner prefers German, but the handout is written in English and says so.
    assert '<html lang="en">' in html
    assert "<title>" in html and "<style>" in html
    import base64

    fonts = re.findall(r"url\('data:font/ttf;base64,([A-Za-z0-9+/=]+)'\)", html)
    assert len(fonts) == 3  # regular, bold, italic travel inside the file
    for data in fonts:
        assert base64.b64decode(data)[:4] in (b"\x00\x01\x00\x00", b"true")
    assert "<link" not in html and "file:" not in html  # nothing to fetch, no install path


def test_clinic_file_on_cover(berlin_plan, tmp_path, helpers):
    from rehabplan.export.html import handout_html
    from rehabplan.library import default_library

    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"/>')
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(
        "name: Riverside Sports Physio\naddress: [12 Quay Street, Dublin]\n"
        "phone: '+353 1 555 0100'\nemail: desk@riverside.example\nlogo: logo.svg\n"
    )
    html = handout_html(berlin_plan, default_library(), helpers.options(clinic_file=clinic))
    assert "Riverside Sports Physio" in html and "12 Quay Street" in html
    assert "+353 1 555 0100" in html and 'src="data:image/svg+xml;base64,' in html


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("address: [x]\n", "name"),
        ("name: A\nfax: 123\n", "fax"),
        ("name: A\nlogo: missing.png\n", "logo"),
        ("name: A\nlogo: logo.gif\n", "logo"),
    ],
)
def test_bad_clinic_file_names_file_and_field(berlin_plan, tmp_path, helpers, content, field):
    from rehabplan.export.html import handout_html
    from rehabplan.library import default_library

    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(content)
    with pytest.raises(InputError) as err:
        handout_html(berlin_plan, default_library(), helpers.options(clinic_file=clinic))
    problem = err.value.problems[0]
    assert problem.source.endswith("clinic.yaml") and problem.field == field


def test_referral_letter(tmp_path, helpers):
    from rehabplan.export.html import referral_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.profile_io import read_profile
    from rehabplan.screening import referral_for, screen

    profile = read_profile(helpers.plan_for.__globals__["EXAMPLES"] / "tomas-red-flags.yaml")
    referral = referral_for(profile, screen(profile))
    text = helpers.pdf_text(
        render_pdf(referral_html(referral, helpers.options()), helpers.options()), tmp_path
    )
    for finding in referral.findings:
        assert helpers.squash(finding["finding"]) in text
    assert helpers.squash(referral.see) in text
    assert helpers.squash(referral.urgency) in text
    assert "Your exercises" not in text and "Page 1 of 1" in text


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda path: path.write_bytes(b"\x00random bytes, not a picture" * 10), "not a PNG"),
        (lambda path: __import__("PIL.Image").Image.new("L", (2400, 300)).save(path),
         "2400×300 pixels"),
    ],
)  # fmt: skip
def test_a_logo_must_be_a_picture_of_sensible_size(tmp_path, make, words):
    from rehabplan.export.clinic import load_clinic

    make(tmp_path / "logo.png")
    (tmp_path / "clinic.yaml").write_text("name: A\nlogo: logo.png\n")
    with pytest.raises(InputError) as err:
        load_clinic(tmp_path / "clinic.yaml")
    (problem,) = err.value.problems
    assert problem.field == "logo" and words in problem.message


def test_an_svg_logo_must_be_svg(tmp_path):
    from rehabplan.export.clinic import load_clinic

    (tmp_path / "logo.svg").write_text("<svg><rect")
    (tmp_path / "clinic.yaml").write_text("name: A\nlogo: logo.svg\n")
    with pytest.raises(InputError, match="not a valid SVG"):
        load_clinic(tmp_path / "clinic.yaml")


def test_diary_rows_stay_on_the_grid_of_tick_boxes(berlin_a4, helpers, tmp_path):
    """The tick boxes are one image tiled every 6 mm behind a page's rows, so each row's
    text must sit exactly 6 mm below the one before, across the line between two weeks."""
    from rehabplan.export.assets import DIARY_ROW_MM

    path = tmp_path / "handout.pdf"
    path.write_bytes(berlin_a4.pdf)
    out = subprocess.run([helpers.tool("pdftotext"), "-bbox", str(path), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8")  # fmt: skip
    pitch = DIARY_ROW_MM * 72 / 25.4
    weekdays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    rows = pages = 0
    for page in out.split("<page ")[1:]:
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', page)
        if "Done" not in {w for _, w in words}:  # the diary's header: a diary page
            continue
        pages += 1
        # The first word of each row: a weekday followed by the day of the month.
        tops = [float(y) for (y, w), (_, after) in itertools.pairwise(words)
                if w in weekdays and after.isdigit()]  # fmt: skip
        for above, below in itertools.pairwise(tops):
            assert below - above == pytest.approx(pitch, abs=0.05), (above, below)
        rows += len(tops)
    assert pages >= 2
    assert rows == sum(1 for s in berlin_a4.plan.sessions if s.kind.value != "review")
