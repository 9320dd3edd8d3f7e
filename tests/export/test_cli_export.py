"""``rehabplan plan`` writes the exports a user asked for, as a user would run it."""

from __future__ import annotations

import io
import json
import re

import icalendar
import pikepdf
import pytest


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


def test_an_svg_logo_cannot_reach_files_or_the_network(run_cli, tmp_path):
    """A clinic logo is someone else's file: its references to local files and URLs must
    not be followed when handouts are rendered (a batch would do it per patient)."""
    import http.server
    import threading

    from tests.conftest import EXAMPLES

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    secret = tmp_path / "secret.png"
    # A 3×3 red PNG: if it were embedded it would show up as an image of that size.
    from PIL import Image

    Image.new("RGB", (3, 3), "red").save(secret)
    (tmp_path / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="200" height="80"><rect width="200" height="80" fill="#ddd"/>'
        f'<image width="60" height="60" href="http://127.0.0.1:{port}/img.png"/>'
        f'<image x="70" width="60" height="60" xlink:href="{secret.as_uri()}"/>'
        f'<style>@import url("http://127.0.0.1:{port}/x.css");</style></svg>',
        "utf-8",
    )
    (tmp_path / "clinic.yaml").write_text("name: Test Clinic\nlogo: logo.svg\n", "utf-8")
    try:
        result = run_cli("plan", EXAMPLES / "maria-pes-anserine.yaml", "--out", tmp_path / "o",
                         "--format", "pdf", "--clinic", tmp_path / "clinic.yaml")  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert hits == []
    with pikepdf.open(tmp_path / "o" / "handout.pdf") as pdf:
        images = [img for page in pdf.pages for img in page.get_images().values()]
        sizes = {(int(img.Width), int(img.Height)) for img in images}
    assert (3, 3) not in sizes


@pytest.mark.parametrize(
    ("example", "paper", "variant"),
    [
        ("francois-meniscus-berlin", "a4", []),
        ("maria-pes-anserine", "letter", ["--pdf-variant", "pdf/ua-1"]),
    ],
)
def test_every_diary_page_has_its_header_and_several_rows(
    run_cli, tmp_path, helpers, example, paper, variant
):
    """Diary tables are cut to fit the page; a row spilling onto a page of its own would
    have no 0–10 header to tick against."""
    import subprocess

    examples = helpers.plan_for.__globals__["EXAMPLES"]
    out = tmp_path / "out"
    result = run_cli("plan", examples / f"{example}.yaml", "--out", out,
                     "--format", "pdf", "--paper", paper, *variant)  # fmt: skip
    assert result.returncode == 0, result.stderr
    tool = helpers.tool("pdftotext")
    with pikepdf.open(out / "handout.pdf") as doc:
        pages = len(doc.pages)
    diary_pages = 0
    for number in range(1, pages + 1):
        text = subprocess.run([tool, "-f", str(number), "-l", str(number), "-layout",
                               str(out / "handout.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        rows = re.findall(r"^\s*\w{3} \d{1,2} \w{3} · ", text, re.M)
        if not rows:
            continue
        diary_pages += 1
        assert "Next morning" in text, (paper, number)
        assert len(rows) >= 3 or number == pages, (paper, number, len(rows))
    assert diary_pages >= 4
