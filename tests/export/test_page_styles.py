"""Page styles computed once per document (``rehabplan.export.page_styles``) must give the
very same PDF as WeasyPrint computing them for every page."""

from __future__ import annotations

import pytest

# Every kind of page selector, margin boxes with counters and running elements, a named
# page group with its own counter reset, and a forced blank page (break-before: left).
PAGED_HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>
@page { size: A5; margin: 20mm 15mm;
  @bottom-right { content: "Page " counter(page) " sur " counter(pages); }
  @bottom-left { content: element(foot); } }
@page :first { margin-top: 40mm; @top-center { content: "Première"; } }
@page :left { margin-left: 25mm; @top-left { content: "gauche " counter(page); } }
@page :right { @top-right { content: "droite"; background: #eef; } }
@page :blank { @top-center { content: "page laissée blanche"; } }
@page :nth(3) { @left-middle { content: "troisième"; } }
@page large { size: A5 landscape; counter-reset: page 40;
  @top-center { content: "Annexe, page " counter(page); } }
@page :nth(1 of large) { @bottom-center { content: "début de l'annexe"; } }
.foot { position: running(foot); font-size: 8pt; }
h1 { break-before: page; } .annex { page: large; } .left { break-before: left; }
</style></head><body>
<div class="foot">Plan 4e57 · Zoë Núñez</div>
CONTENT
</body></html>"""


def _paged_html() -> str:
    text = "<p>" + "Genou, mollet et hanche : lever, tenir, reposer. " * 12 + "</p>"
    body = "".join(
        f'<h1 class="{"left" if n == 3 else ""}">Chapitre {n}</h1>' + text * (n + 2)
        for n in range(1, 6)
    )
    annex = '<div class="annex"><h1>Annexe</h1>' + text * 10 + "</div>"
    return PAGED_HTML.replace("CONTENT", body + annex + "<h1>Fin</h1>" + text)


@pytest.fixture
def both_ways():
    """Render a callable's PDF with page styles reused, then with WeasyPrint's own way."""
    from rehabplan.export import page_styles, pdf

    pdf._weasy()  # installs the reuse, as every rendering does

    def render(make):
        assert page_styles.install(), "WeasyPrint's internals changed: page styles not reused"
        reused = make()
        page_styles.uninstall()
        try:
            plain = make()
        finally:
            page_styles.install()
        return reused, plain

    return render


def test_pages_of_every_selector_come_out_byte_for_byte_the_same(both_ways, tmp_path, helpers):
    from rehabplan.export.pdf import _html_class

    html = _paged_html()
    reused, plain = both_ways(lambda: _html_class()(string=html).write_pdf())
    assert reused == plain
    text = helpers.pdf_text(reused, tmp_path)
    # The document did exercise what it was written for.
    for shown in ("Première", "droite", "gauche 2", "page laissée blanche", "troisième",
                  "Annexe, page 40", "début de l'annexe", "Plan 4e57 · Zoë Núñez"):  # fmt: skip
        assert shown in text


@pytest.mark.parametrize("example, paper, variant", [
    ("francois-meniscus-berlin", "a4", None),
    ("zoe-mcl-grade2-miles", "letter", None),
    ("zoe-mcl-grade2-miles", "letter", "pdf/ua-1"),  # tagged: one pass, structure tree
])  # fmt: skip
def test_handouts_come_out_byte_for_byte_the_same(both_ways, example, paper, variant,
                                                  monkeypatch, helpers):  # fmt: skip
    from rehabplan.export import shared_pages
    from rehabplan.export.html import handout_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.library import default_library

    opts = helpers.options(paper=paper, pdf_variant=variant)
    html = handout_html(helpers.plan_for(example), default_library(), opts)
    monkeypatch.setenv("REHABPLAN_CACHE_DIR", "off")

    def fresh() -> bytes:  # every shared part laid out again, by the way under test
        shared_pages.clear_cache()
        return render_pdf(html, opts)

    reused, plain = both_ways(fresh)
    assert reused == plain


def test_other_weasyprint_documents_keep_weasyprint_s_own_way(both_ways, monkeypatch):
    """Only rehabplan's documents reuse page styles: a program that renders its own
    documents in the same process (the benchmarks' default path) gets stock WeasyPrint."""
    import weasyprint

    from rehabplan.export import page_styles
    from rehabplan.export.pdf import _html_class

    calls: list[str] = []
    original = page_styles._original

    def counting(page_type, html, style_for):
        calls.append(type(html).__name__)
        original(page_type, html, style_for)

    monkeypatch.setattr(page_styles, "_original", counting)
    html = _paged_html()
    pages = len(weasyprint.HTML(string=html).render().pages)
    assert calls == ["HTML"] * pages  # every page computed by WeasyPrint itself
    calls.clear()
    ours = len(_html_class()(string=html).render().pages)
    assert ours == pages and 0 < len(calls) < pages / 2  # only pages of a new kind
