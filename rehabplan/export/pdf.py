"""HTML → PDF with WeasyPrint, tuned for many documents per process.

What costs time in WeasyPrint is font handling, the CSS cascade and layout. So, per process:

* one FontConfiguration (the ``@font-face`` files are registered once and recognised on
  every later document);
* no image cache shared across documents: WeasyPrint's SVGImage keeps a reference to the
  layout context of the document that first loaded it, so a process-wide cache pinned one
  whole laid-out handout per illustration and batch workers grew by ~0.4 MiB a patient.
  Parsing the illustrations again costs a few milliseconds per handout;
* the stylesheet is parsed once: the HTML carries it inline in ``<style>`` so that
  ``handout.html`` stands on its own, and here that exact text is swapped for a cached
  ``weasyprint.CSS`` object of the same text (same rules, same order, so the same pages);
* a user-agent stylesheet without the rules for pseudo-elements our documents never have
  (footnote and note calls/markers; ``::marker`` is restated for ``li`` in handout.css).
  Each of those universal rules gave *every* element its own computed pseudo-element
  style: six per element, 94 % of all computed styles of a handout;
* each distinct ``@page`` style computed once per document, not once per page
  (``page_styles``: half of what a page costs WeasyPrint beyond its content);
* Python's cyclic garbage collector paused while a document renders, and run once after
  (``gc_pause``: ~14 % off a handout; WeasyPrint's box trees are large and cyclic).

``full_fonts=True`` because the shipped font is already a ~32 KB Latin subset; subsetting
it again for every document would cost more than it saves. WeasyPrint is imported lazily
so that ``rehabplan plan --format json`` never pays for it.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

from rehabplan.errors import InputError, Problem
from rehabplan.export import gc_pause
from rehabplan.paths import templates_dir

_STYLESHEET_CACHE_LIMIT = 16

# The first inline stylesheet of the document (handout.html.j2 and referral.html.j2 write
# exactly one, in <head>, with no attributes).
_STYLE_RE = re.compile(r"<style>(.*?)</style>", re.S)

# Whole one-line rules of WeasyPrint's html5_ua.css that match every element of every
# document through a pseudo-element selector, for features our documents do not use.
_UNUSED_UA_RULE = re.compile(
    r"^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback)"
    r"\s*\{[^{}]*\}\s*$",
    re.M,
)


@cache
def _weasy() -> Any:
    import weasyprint

    from rehabplan.export import page_styles

    page_styles.install()
    return weasyprint


@cache
def font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


_stylesheets: dict[str, Any] = {}
_lock = threading.Lock()


def known_variants() -> list[str]:
    from weasyprint.pdf import VARIANTS

    return sorted(v for v in VARIANTS if v != "debug")  # debug: WeasyPrint's own testing aid


def _base_url() -> str:
    return str(templates_dir()) + "/"


@cache
def url_fetcher() -> Any:
    """WeasyPrint's fetcher, held to ``data:`` URIs and files of rehabplan's own templates.

    Handouts embed everything they show (illustrations, logo, QR code) as ``data:`` URIs,
    so nothing else is ever needed. Without this, an SVG logo from a clinic file could make
    every render read local files (``file:///…``) or call out to the network, and a batch
    worker would do so for every patient.
    """
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    root = templates_dir().resolve()

    class LocalOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if parts.scheme == "file" and Path(unquote(parts.path)).resolve().is_relative_to(root):
                return super().fetch(url, headers)
            raise PermissionError(f"handouts do not load {url[:100]}")

    return LocalOnly(allowed_protocols=("data", "file"), allow_redirects=False)


@cache
def _html_class() -> Any:
    """``weasyprint.HTML`` for rehabplan's documents: a leaner user-agent stylesheet, and
    page styles computed once per document (see the module docstring).

    Both hooks are private API: where WeasyPrint's internals are not the ones this was
    written against, its own stylesheet and functions are used (only speed is at stake,
    never output). Other ``weasyprint.HTML`` documents in the process are left alone.
    """
    weasyprint = _weasy()
    sheet = None
    try:
        from weasyprint.html import UA, UA_COUNTER_STYLE
    except ImportError:
        pass
    else:
        lean = _UNUSED_UA_RULE.sub("", UA)
        if hasattr(weasyprint.HTML, "_ua_stylesheets") and lean != UA:
            sheet = weasyprint.CSS(string=lean, counter_style=UA_COUNTER_STYLE)

    class RehabHTML(weasyprint.HTML):
        reuse_page_styles = True  # read by page_styles

        def _ua_stylesheets(self, forms=False):
            if sheet is None or forms:
                return super()._ua_stylesheets(forms)
            return [sheet]

    return RehabHTML


def _stylesheet(text: str) -> Any:
    """The parsed ``weasyprint.CSS`` for ``text``, parsed once per process."""
    sheet = _stylesheets.get(text)
    if sheet is None:
        sheet = _weasy().CSS(
            string=text, base_url=_base_url(), font_config=font_config(), url_fetcher=url_fetcher()
        )
        with _lock:
            if len(_stylesheets) >= _STYLESHEET_CACHE_LIMIT:
                _stylesheets.clear()  # bounded: long-lived workers must not grow
            _stylesheets[text] = sheet
    return sheet


def check_variant(variant: str | None) -> None:
    """InputError unless ``variant`` is None or a PDF variant WeasyPrint can write."""
    if variant is not None and variant not in known_variants():
        raise InputError([Problem("--pdf-variant", "",
                                  f"unknown PDF variant {variant!r}; choose from "
                                  f"{', '.join(known_variants())}")])  # fmt: skip


def render_pdf(html: str, options) -> bytes:
    """Render handout or referral HTML to PDF bytes (``options``: ``pipeline.ExportOptions``).

    Elements the template marks ``data-shared`` are laid out once and drawn into every
    handout that has them (``shared_pages``); tagged variants are rendered in one pass, as
    their structure tree must cover every page.
    """
    variant = options.pdf_variant
    check_variant(variant)
    css_text = ""
    stylesheets = []
    match = _STYLE_RE.search(html)
    if match:
        # Same rules, parsed once: the document then renders exactly as the HTML would.
        css_text = match.group(1)
        stylesheets.append(_stylesheet(css_text))
        html = html[: match.start()] + html[match.end() :]

    def document(text: str, extra_css: list[str]) -> Any:
        sheets = stylesheets + [_stylesheet(css) for css in extra_css]
        with gc_pause.paused():
            html_doc = _html_class()(string=text, base_url=_base_url(), url_fetcher=url_fetcher())
            return html_doc.render(stylesheets=sheets, font_config=font_config(),
                                   full_fonts=True, pdf_variant=variant)  # fmt: skip

    def write(doc: Any) -> bytes:
        with gc_pause.paused():
            return doc.write_pdf(full_fonts=True, pdf_variant=variant, pdf_identifier=None)

    if variant is None:
        from rehabplan.export import shared_pages

        return shared_pages.render(html, css_text, document, write)
    return write(document(html, []))
