"""Parts of a handout that many patients share: laid out once per process, drawn into each.

Most of a handout is the same from one patient to the next: the exercise cards (what an
exercise is, how to do it, how the dose rises, by plan week) and the advice pages. Only
the cover, the overview, the dated week grid, the running table and the diary belong to
one patient. WeasyPrint cannot reuse layout across documents, and laying out and drawing
the cards was about half of every handout. So a template marks what may be shared with
``data-shared``, on one of two things:

* a ``<section>``: rendered on its own, without the page footer, and kept as PDF pages.
  The handout gets as many blank placeholder pages in its place;
* an ``<article>`` inside a section (one exercise card): rendered on its own and kept as
  a PDF page plus the size of its border box. The handout gets an empty box of exactly
  that size, with the article's classes, so WeasyPrint paginates the handout exactly as
  it would with the article there (same margins, same ``break-inside``), at no cost.
  Clinics' patients differ in many ways, but a given card recurs far more often than a
  given set of cards (in the 200-patient batch benchmark, 608 distinct cards out of
  5,604, while 164 of 200 card sections were unique).

Kept parts are keyed by a hash of their exact HTML, the stylesheet and the document
language: a part that differs by one character is rendered again, so reuse can never show
one patient another's content. The placeholders get the running footer, the plan id and
the real page numbers; the kept parts' outline entries and link targets are moved onto
them at their exact positions. Each kept page is then drawn underneath its placeholder
page, shifted to its box, with pikepdf (qpdf): the result looks, extracts and navigates
like one rendering of the whole HTML (the tests compare both).

An article taller than a page (which WeasyPrint would split) is left in place. Tagged
PDF variants (``pdf/ua-1`` and the like) are not assembled: their structure tree must
describe every page, so they are rendered in one pass (see ``pdf.render_pdf``).

The cache is per process (batch workers, the web server), bounded in bytes, and safe to
share between threads.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# <section class="…" data-shared> … </section> and <article class="…" data-shared> …
# </article>. Neither nests in our templates, and every text from a patient is
# HTML-escaped, so a literal closing tag can only be the template's own.
_SHARED_SECTION = re.compile(r'<section class="[^"<>]*" data-shared>.*?</section>', re.S)
_SHARED_ARTICLE = re.compile(r'<article class="([^"<>]*)" data-shared>.*?</article>', re.S)
_BODY = re.compile(r"<body[^>]*>")
_LANG = re.compile(r'<html lang="([^"]*)"')
_MARK = "rp-shared-"
_BLOCK_ID = "rp-block"
_PX_TO_PT = 0.75  # WeasyPrint draws 1 CSS px as 0.75 PDF point

# Rendered on their own, shared parts carry no page footer: the handout's placeholder
# page under which they are drawn has it, with that handout's plan id and page numbers.
NO_FOOTER_CSS = "@page { @bottom-left { content: none } @bottom-right { content: none } }"
PLACEHOLDER_CSS = f"""
div.{_MARK}page {{ height: 0; margin: 0; break-before: page; }}
div.{_MARK}page.first {{ break-before: auto; }}
.{_MARK}slot {{ border: 0 !important; padding: 0 !important; background: none !important;
  box-sizing: border-box !important; min-height: 0 !important; }}
"""

_CACHE_BYTES = 48 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One shared part, rendered: its PDF and what each page's outline needs."""

    pdf: bytes
    bookmarks: list[list[Any]]  # per page: WeasyPrint's (level, label, (x, y), state)
    anchors: list[dict[str, Any]]  # per page: id → (x1, y1, x2, y2)
    box: tuple[float, float, float, float] | None = None  # an article's border box

    @property
    def pages(self) -> int:
        return len(self.bookmarks)


@dataclass
class _Cache:
    entries: OrderedDict[bytes, Entry] = field(default_factory=OrderedDict)
    size: int = 0
    hits: int = 0
    misses: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: bytes) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
                self.entries.move_to_end(key)
            return entry

    def put(self, key: bytes, entry: Entry) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = entry
            self.size += len(entry.pdf)
            while self.size > _CACHE_BYTES and len(self.entries) > 1:
                _, old = self.entries.popitem(last=False)
                self.size -= len(old.pdf)


_cache = _Cache()


def cache_info() -> dict[str, int]:
    """Hits, misses, entries and bytes of this process's cache (for benchmarks)."""
    with _cache.lock:
        return {"hits": _cache.hits, "misses": _cache.misses,
                "entries": len(_cache.entries), "bytes": _cache.size}  # fmt: skip


def clear_cache() -> None:
    with _cache.lock:
        _cache.entries.clear()
        _cache.size = _cache.hits = _cache.misses = 0


Render = Callable[[str, list[Any]], Any]  # (html, extra stylesheets) → weasyprint.Document
Write = Callable[[Any], bytes]  # weasyprint.Document → PDF bytes


@dataclass
class _Assembly:
    """One handout being assembled: the kept parts it uses, in order."""

    head: str
    css_hash: bytes
    render_document: Render
    write: Write
    entries: list[Entry | None] = field(default_factory=list)

    def kept(self, part: str) -> tuple[int, Entry]:
        key = hashlib.sha256(self.css_hash + self.head.encode() + part.encode()).digest()
        entry = _cache.get(key)
        if entry is None:
            entry = self._render(part)
            _cache.put(key, entry)
        self.entries.append(entry)
        return len(self.entries) - 1, entry

    def _render(self, part: str) -> Entry:
        document = self.render_document(self.head + part + "</body></html>", [NO_FOOTER_CSS])
        anchors = [dict(page.anchors) for page in document.pages]
        box = anchors[0].pop(_BLOCK_ID, None) if anchors else None
        return Entry(
            pdf=self.write(document),
            bookmarks=[list(page.bookmarks) for page in document.pages],
            anchors=anchors,
            box=box,
        )

    def section(self, match: re.Match[str]) -> str:
        index, entry = self.kept(match.group(0))
        divs = "".join(
            f'<div class="{_MARK}page{" first" if page == 0 else ""}" '
            f'id="{_MARK}page-{index}-{page}"></div>'
            for page in range(entry.pages)
        )
        return f'<section class="{_MARK}section">{divs}</section>'

    def article(self, match: re.Match[str]) -> str:
        opening = f'<article class="{match.group(1)}" data-shared>'
        part = match.group(0).replace(opening, opening[:-1] + f' id="{_BLOCK_ID}">', 1)
        index, entry = self.kept(part)
        if entry.pages != 1 or entry.box is None:  # taller than a page: lay it out here
            self.entries[index] = None
            return match.group(0)
        height = entry.box[3] - entry.box[1]
        return (
            f'<article class="{match.group(1)} {_MARK}slot" id="{_MARK}slot-{index}" '
            f'style="height: {height!r}px"></article>'
        )


def render(html: str, css_text: str, render_document: Render, write: Write) -> bytes:
    """``html`` as PDF, with its shared parts drawn from the cache.

    ``css_text`` is the stylesheet the caller renders with: the same part under another
    stylesheet (paper size, clinic) is another entry.
    """
    if "data-shared>" not in html:
        return write(render_document(html, []))
    lang = _LANG.search(html)
    body = _BODY.search(html)
    assembly = _Assembly(
        head=(
            f'<!DOCTYPE html><html lang="{lang.group(1) if lang else ""}">'
            f'<head><meta charset="utf-8"></head>{body.group(0) if body else "<body>"}'
        ),
        css_hash=hashlib.sha256(css_text.encode()).digest(),
        render_document=render_document,
        write=write,
    )
    html = _SHARED_SECTION.sub(assembly.section, html)
    html = _SHARED_ARTICLE.sub(assembly.article, html)
    document = render_document(html, [PLACEHOLDER_CSS])

    placements: list[tuple[int, int, int, float, float]] = []  # page, entry, its page, dx, dy
    for number, page in enumerate(document.pages):
        marks = sorted(name for name in page.anchors if name.startswith(_MARK))
        moved = False
        for name in marks:
            x1, y1, _, _ = page.anchors.pop(name)
            kind, *numbers = name[len(_MARK) :].split("-")
            index = int(numbers[0])
            entry = assembly.entries[index]
            assert entry is not None  # placeholders exist only for kept parts
            if kind == "page":
                source_page, dx, dy = int(numbers[1]), 0.0, 0.0
            else:
                assert entry.box is not None
                source_page, dx, dy = 0, x1 - entry.box[0], y1 - entry.box[1]
            for level, label, (x, y), state in entry.bookmarks[source_page]:
                page.bookmarks.append((level, label, (x + dx, y + dy), state))
                moved = True
            for anchor, (ax1, ay1, ax2, ay2) in entry.anchors[source_page].items():
                page.anchors.setdefault(anchor, (ax1 + dx, ay1 + dy, ax2 + dx, ay2 + dy))
            placements.append((number, index, source_page, dx, dy))
        if moved:  # the outline follows the page from top to bottom
            page.bookmarks.sort(key=lambda bookmark: (bookmark[2][1], bookmark[2][0]))
    expected = sum(entry.pages for entry in assembly.entries if entry is not None)
    if len(placements) != expected:  # a placeholder split or vanished: never guess
        raise RuntimeError(f"shared parts: {len(placements)} placeholders for {expected} pages")
    sources = [entry.pdf if entry is not None else b"" for entry in assembly.entries]
    return _draw_under(write(document), sources, placements)


def _draw_under(
    pdf: bytes, sources: list[bytes], placements: list[tuple[int, int, int, float, float]]
) -> bytes:
    """Draw each kept page beneath its placeholder, shifted by (dx, dy) CSS px.

    Resource names are derived from positions, so the same input gives the same bytes.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as out:
        opened: dict[int, Any] = {}
        forms: dict[tuple[int, int], Any] = {}
        drawn: dict[int, list[bytes]] = {}
        try:
            for number, index, source_page, dx, dy in placements:
                if (index, source_page) not in forms:
                    if index not in opened:
                        opened[index] = pikepdf.open(io.BytesIO(sources[index]))
                    form = opened[index].pages[source_page].as_form_xobject()
                    forms[index, source_page] = out.copy_foreign(form)
                # WeasyPrint's pages share one /Resources dictionary: names are unique
                # across the document.
                name = f"/RpShared{number}_{len(drawn.setdefault(number, []))}"
                page = out.pages[number]
                page.add_resource(forms[index, source_page], pikepdf.Name.XObject,
                                  pikepdf.Name(name))  # fmt: skip
                # CSS y grows downwards, PDF y upwards.
                move = f"1 0 0 1 {dx * _PX_TO_PT:.4f} {-dy * _PX_TO_PT:.4f} cm "
                drawn[number].append(f"q {move}{name} Do Q\n".encode())
            for number, commands in drawn.items():
                out.pages[number].contents_add(out.make_stream(b"".join(commands)), prepend=True)
            _share_font_files(out)
            buffer = io.BytesIO()
            out.save(
                buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate
            )
        finally:
            for source in opened.values():
                source.close()
    return buffer.getvalue()


def _share_font_files(pdf: Any) -> None:
    """Point every copy of the same embedded font file and character map at one stream.

    Each kept part brings its own copy of the shipped font (WeasyPrint embeds it whole:
    see ``pdf.py``) and of its ToUnicode map; without this a handout would carry them once
    per exercise card (~490 KB instead of ~200 KB).
    """
    import pikepdf

    seen: dict[bytes, Any] = {}

    def share(holder: Any, key: str) -> None:
        stream = holder.get(key)
        if not isinstance(stream, pikepdf.Stream):
            return
        first = seen.setdefault(stream.read_raw_bytes(), stream)
        if first.objgen != stream.objgen:
            holder[key] = first

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        kind = obj.get("/Type")
        if kind == pikepdf.Name.FontDescriptor:
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                share(obj, key)
        elif kind == pikepdf.Name.Font:
            share(obj, "/ToUnicode")
