"""Handouts drawn partly from pages shared between patients must read exactly like handouts
rendered in one pass, and must never show one patient another patient's content."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest


def page_texts(pdf: bytes, tmp, helpers) -> list[str]:
    """pdftotext -layout, one string per page (form feeds split pages)."""
    path = tmp / "p.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([helpers.tool("pdftotext"), "-layout", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8")  # fmt: skip
    return [" ".join(page.split()) for page in out.split("\f")[:-1]]


def outline(pdf: bytes) -> list[tuple[int, str, int, int]]:
    """(depth, title, page index, top in whole points) of every outline entry."""
    entries = []
    with pikepdf.open(io.BytesIO(pdf)) as doc, doc.open_outline() as tree:

        def walk(items, depth):
            for item in items:
                page = doc.pages.index(pikepdf.Page(item.destination[0]))
                entries.append((depth, item.title, page, round(float(item.destination[3]))))
                walk(item.children, depth + 1)

        walk(tree.root, 0)
    return entries


def test_assembled_handout_reads_like_a_one_pass_rendering(berlin_a4, tmp_path, helpers):
    """The reference is WeasyPrint called directly on the same HTML, in one pass."""
    import weasyprint

    reference = weasyprint.HTML(string=berlin_a4.html).write_pdf()
    ours = page_texts(berlin_a4.pdf, tmp_path, helpers)
    theirs = page_texts(reference, tmp_path, helpers)
    assert len(ours) == len(theirs) > 12
    assert ours == theirs
    assert outline(berlin_a4.pdf) == outline(reference)
    # The shared pages really were drawn from elsewhere (else this test proves nothing).
    with pikepdf.open(io.BytesIO(berlin_a4.pdf)) as doc:
        streams = [page.obj.Contents for page in doc.pages]
        streams = [list(c) if isinstance(c, pikepdf.Array) else [c] for c in streams]
        drawn = [s for s in streams if any(b"/RpShared" in c.read_bytes() for c in s)]
    assert len(drawn) >= 5


@pytest.mark.parametrize(
    ("example", "paper", "side"),
    [
        ("maria-pes-anserine", "letter", None),  # with a clinic logo on the cover
        ("kenji-knee-oa", "a4", "both"),
        ("lars-mcl-grade1", "letter", None),  # a sprain: the stricter pain rule on cards
    ],
)
def test_other_patients_and_paper_read_like_one_pass(example, paper, side, tmp_path, helpers):
    import weasyprint

    from rehabplan.export import shared_pages
    from rehabplan.export.html import handout_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.library import default_library
    from rehabplan.vocab import Side

    (tmp_path / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<rect width="40" height="20" fill="#15416b"/></svg>'
    )
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Clínica Núñez\naddress: [Calle Mayor 1, Madrid]\nlogo: logo.svg\n")
    changes = {"side": Side(side)} if side else {}
    plan = helpers.plan_for(example, **changes)
    options = helpers.options(paper=paper, clinic_file=clinic)
    html = handout_html(plan, default_library(), options)
    before = shared_pages.cache_info()["one_pass"]
    ours = render_pdf(html, options)
    assert shared_pages.cache_info()["one_pass"] == before  # really assembled
    reference = weasyprint.HTML(string=html).write_pdf()
    assert page_texts(ours, tmp_path, helpers) == page_texts(reference, tmp_path, helpers)
    assert outline(ours) == outline(reference)


def test_patients_never_see_each_others_pages(tmp_path, helpers):
    """Three patients in one process, later ones drawing on pages kept from earlier ones:
    every page carries its own plan id and numbering, and nothing of another patient."""
    import datetime as dt

    from rehabplan.export import shared_pages
    from rehabplan.export.html import handout_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.library import default_library
    from rehabplan.vocab import Side

    def render(plan):
        return render_pdf(handout_html(plan, default_library(), helpers.options()),
                          helpers.options())  # fmt: skip

    shared_pages.clear_cache()
    both = helpers.plan_for("francois-meniscus-berlin", name="Ada Both", side=Side.BOTH,
                            patient_id="P-A")  # fmt: skip
    later = helpers.plan_for("francois-meniscus-berlin", name="Cleo Later", side=Side.BOTH,
                             patient_id="P-C", start_date=dt.date(2026, 3, 23))  # fmt: skip
    left = helpers.plan_for("francois-meniscus-berlin", name="Bea Left", side=Side.LEFT,
                            patient_id="P-B")  # fmt: skip
    render(both)
    before = shared_pages.cache_info()
    pdfs = {plan.patient.name: (plan, render(plan)) for plan in (later, left)}
    after = shared_pages.cache_info()
    assert after["hits"] > before["hits"]  # Cleo's cards and advice came from Ada's handout

    for name, (plan, pdf) in pdfs.items():
        pages = page_texts(pdf, tmp_path, helpers)
        for number, text in enumerate(pages, start=1):
            assert f"Plan {plan.plan_id}" in text and f"Page {number} of {len(pages)}" in text
        whole = " ".join(pages)
        others = [p for p in (both, later, left) if p.plan_id != plan.plan_id]
        for other in others:
            assert other.plan_id not in whole and other.patient.name not in whole
        assert name in whole
    # The cards differ by knee: a left-knee plan must not get the two-knee plan's cards.
    cleo = " ".join(page_texts(pdfs["Cleo Later"][1], tmp_path, helpers))
    bea = " ".join(page_texts(pdfs["Bea Left"][1], tmp_path, helpers))
    assert "one after the other" in cleo and "starting with the left one" not in cleo
    assert "starting with the left one" in bea and "one after the other" not in bea


def test_kept_parts_give_the_same_bytes_as_fresh_ones(berlin_plan, helpers, tmp_path,
                                                      monkeypatch):  # fmt: skip
    """ETags and the batch's resume rely on a handout's bytes depending only on its input,
    whether its parts were rendered now, kept in memory or read from the store on disk."""
    from rehabplan.export import shared_pages
    from rehabplan.export.html import handout_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.library import default_library

    html = handout_html(berlin_plan, default_library(), helpers.options())
    monkeypatch.setenv("REHABPLAN_CACHE_DIR", "off")
    shared_pages.clear_cache()
    fresh = render_pdf(html, helpers.options())
    from_memory = render_pdf(html, helpers.options())
    assert shared_pages.cache_info()["hits"] >= 20

    monkeypatch.setenv("REHABPLAN_CACHE_DIR", str(tmp_path / "store"))
    shared_pages.clear_cache()
    render_pdf(html, helpers.options())  # fills the store
    assert list((tmp_path / "store").rglob("*.pdf"))
    shared_pages.clear_cache()
    from_disk = render_pdf(html, helpers.options())
    assert shared_pages.cache_info()["entries"] >= 20  # all came back from the store
    assert fresh == from_memory == from_disk


def test_the_store_on_disk_is_shared_by_runs_and_survives_damage(run_cli, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    """Two physiotherapist runs share the store; a damaged store never breaks a handout."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    store = tmp_path / "store"
    monkeypatch.setenv("REHABPLAN_CACHE_DIR", str(store))

    def run(name):
        result = run_cli("plan", examples / "maria-pes-anserine.yaml", "--out", tmp_path / name,
                         "--format", "pdf")  # fmt: skip
        assert result.returncode == 0, result.stderr
        return (tmp_path / name / "handout.pdf").read_bytes()

    first = run("one")
    files = sorted(p for p in store.rglob("*") if p.is_file())
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".json" for p in files)
    assert run("two") == first
    assert sorted(p for p in store.rglob("*") if p.is_file()) == files  # nothing new

    for pdf in store.rglob("*.pdf"):
        pdf.write_bytes(pdf.read_bytes()[:100])  # truncated
    records = sorted(store.rglob("*.json"))
    records[0].write_text("{not json", "utf-8")
    assert run("three") == first


def test_any_markup_with_shared_parts_renders_like_one_pass(tmp_path, helpers):
    """The mechanism is generic: hidden, nested, tall and id-carrying shared elements and
    elements in a background box come out as one rendering would show them."""
    import weasyprint

    from rehabplan.export.pdf import render_pdf

    tall = "".join(f"<p>Line {n} of a part taller than a page.</p>" for n in range(90))
    html = (
        '<html lang="en"><head><style>.gone { display: none } .box { background: #eee; '
        "padding: 4mm } h2 { bookmark-level: 2 }</style></head><body>"
        "<p>Before</p>"
        '<div class="gone" data-shared>Hidden text</div>'
        '<div class="box"><div class="inner" data-shared><h2>Inside a box</h2>'
        "<div data-shared>Nested</div></div></div>"
        f'<article class="tall" data-shared>{tall}</article>'
        '<article id="own" data-shared><p>Has its own id</p></article>'
        '<section class="end" data-shared><h2>Last section</h2></section>'
        "</body></html>"
    )
    ours = render_pdf(html, helpers.options())
    reference = weasyprint.HTML(string=html).write_pdf()
    texts = page_texts(ours, tmp_path, helpers)
    assert texts == page_texts(reference, tmp_path, helpers)
    assert outline(ours) == outline(reference)
    whole = " ".join(texts)
    assert "Hidden text" not in whole and "Line 89 of a part" in whole and "Nested" in whole


def _png_uri(colour: tuple[int, int, int]) -> str:
    import base64

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_new_card_reuses_its_kept_inner_parts_and_carries_only_them(tmp_path, helpers):
    """A card with a new dose is laid out anew, but its picture comes from the kept parts;
    and that kept picture brings into the handout its own image only, not the images of
    the cards it was first rendered with."""
    import weasyprint

    from rehabplan.export import shared_pages
    from rehabplan.export.pdf import render_pdf

    def card(name: str, colour: tuple[int, int, int], dose: str) -> str:
        return (
            f'<article class="card" data-shared><h3>{name}</h3>'
            f'<div class="pic" data-shared><img src="{_png_uri(colour)}" '
            'style="width: 20mm; height: 10mm"></div>'
            f'<p class="dose" data-shared>{dose}</p></article>'
        )

    def page(*cards: str) -> str:
        style = ".card { border: 1pt solid #888; padding: 3mm; margin-bottom: 5mm }"
        return (f'<html lang="en"><head><style>{style}</style></head><body>'
                f'<h1>Exercises</h1>{"".join(cards)}</body></html>')  # fmt: skip

    def images(pdf: bytes) -> int:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            streams = [obj for obj in doc.objects if isinstance(obj, pikepdf.Stream)]
            return sum(1 for stream in streams if stream.get("/Subtype") == "/Image")

    first = page(card("Wall sit", (200, 30, 30), "3 × 10"), card("Bridge", (30, 30, 200), "2 × 8"))
    render_pdf(first, helpers.options())
    before = shared_pages.cache_info()
    second = page(card("Wall sit", (200, 30, 30), "3 × 12, from week 3"))
    ours = render_pdf(second, helpers.options())
    after = shared_pages.cache_info()

    reference = weasyprint.HTML(string=second).write_pdf()
    assert page_texts(ours, tmp_path, helpers) == page_texts(reference, tmp_path, helpers)
    assert "3 × 12, from week 3" in page_texts(ours, tmp_path, helpers)[0]
    # The card and its new dose were rendered; its picture was not.
    assert after["misses"] - before["misses"] == 2
    assert after["hits"] - before["hits"] == 1
    assert images(ours) == 1  # the red square only
