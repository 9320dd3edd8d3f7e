"""Pages that many handouts have in common: laid out once per process, drawn into each.

Most of a handout is the same from one patient to the next: the exercise cards (what an
exercise is, how to do it, how the dose rises, by plan week) and the advice pages. Only
the cover, the overview, the dated week grid, the running table and the diary belong to
one patient. WeasyPrint cannot reuse layout across documents, and laying out and drawing
the cards was about half of every handout. So:

1. a template marks a section whose content is the same for many patients with
   ``data-shared``. That section is rendered on its own, without the page footer, and the
   resulting PDF is kept, keyed by its exact HTML and stylesheet: a section that differs
   by one character is simply rendered again, so reuse can never show one patient
   another's content;
2. the handout is rendered with as many blank pages in its place: they get the running
   footer, the plan id and the real page numbers, and the section's outline entries and
   link targets are moved onto them at their exact positions;
3. each kept page is then drawn underneath its blank page with pikepdf (qpdf): same page
   size, same coordinates, so the result looks and extracts exactly like one rendering.

Tagged PDF variants (``pdf/ua-1`` and the like) are not assembled: their structure tree
must describe every page, so they are rendered in one pass (see ``pdf.render_pdf``).

The cache is per process (batch workers, the web server), bounded in bytes, and safe to
share between threads.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A section to share: <section class="…" data-shared> … </section>. Sections do not nest
# in our templates, and every text from a patient is HTML-escaped, so a literal
# "</section>" can only be the template's own.
_SHARED = re.compile(r'<section class="[^"<>]*" data-shared>.*?</section>', re.S)
_BODY = re.compile(r"<body[^>]*>")
_LANG = re.compile(r'<html lang="([^"]*)"')
_MARK = "rp-shared-"

# Rendered on their own, shared sections carry no page footer: the handout's placeholder
# page under which they are drawn has it, with that handout's plan id and page numbers.
NO_FOOTER_CSS = "@page { @bottom-left { content: none } @bottom-right { content: none } }"
PLACEHOLDER_CSS = f"div.{_MARK}page {{ height: 0; margin: 0; break-before: page; }}\n" \
                  f"div.{_MARK}page.first {{ break-before: auto; }}"  # fmt: skip

_CACHE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One shared section, rendered: the PDF and what each page's outline needs."""

    pdf: bytes
    bookmarks: list[list[Any]]  # per page: WeasyPrint's (level, label, (x, y), state)
    anchors: list[dict[str, Any]]  # per page: id → (x, y)

    @property
    def pages(self) -> int:
        return len(self.bookmarks)


@dataclass
class _Cache:
    entries: OrderedDict[tuple[str, ...], Entry] = field(default_factory=OrderedDict)
    size: int = 0
    hits: int = 0
    misses: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[str, ...]) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
                self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
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


def has_shared(html: str) -> bool:
    return _SHARED.search(html) is not None


Render = Callable[[str, list[Any]], Any]  # (html, extra stylesheets) → weasyprint.Document
Write = Callable[[Any], bytes]  # weasyprint.Document → PDF bytes


def render(html: str, css_key: str, render_document: Render, write: Write) -> bytes:
    """``html`` as PDF, with its shared sections drawn from the cache.

    ``css_key`` identifies the stylesheet the caller renders with (its text): the same
    section under another stylesheet (paper size, clinic) is another entry.
    """
    lang = _LANG.search(html)
    body = _BODY.search(html)
    head = (
        f'<!DOCTYPE html><html lang="{lang.group(1) if lang else ""}">'
        f'<head><meta charset="utf-8"></head>{body.group(0) if body else "<body>"}'
    )
    sections: list[Entry] = []
    pieces: list[str] = []
    last = 0
    for match in _SHARED.finditer(html):
        section = match.group(0)
        key = (css_key, head, section)
        entry = _cache.get(key)
        if entry is None:
            entry = _render_section(head + section + "</body></html>", render_document, write)
            _cache.put(key, entry)
        index = len(sections)
        sections.append(entry)
        pieces.append(html[last : match.start()])
        pieces.append(_placeholder(index, entry.pages))
        last = match.end()
    if not sections:
        return write(render_document(html, []))
    pieces.append(html[last:])

    document = render_document("".join(pieces), [PLACEHOLDER_CSS])
    placements: list[tuple[int, int, int]] = []  # (handout page, section, section page)
    for number, page in enumerate(document.pages):
        marks = [name for name in page.anchors if name.startswith(_MARK)]
        for name in marks:
            del page.anchors[name]
        if marks:
            index, section_page = (int(n) for n in marks[0][len(_MARK) :].split("-"))
            entry = sections[index]
            page.bookmarks = list(entry.bookmarks[section_page])
            page.anchors.update(entry.anchors[section_page])
            placements.append((number, index, section_page))
    expected = sum(entry.pages for entry in sections)
    if len(placements) != expected:  # a placeholder page split or vanished: never guess
        raise RuntimeError(f"shared pages: {len(placements)} placeholders for {expected} pages")
    return _draw_under(write(document), [entry.pdf for entry in sections], placements)


def _placeholder(index: int, pages: int) -> str:
    divs = "".join(
        f'<div class="{_MARK}page{" first" if page == 0 else ""}" id="{_MARK}{index}-{page}"></div>'
        for page in range(pages)
    )
    return f'<section class="{_MARK}section">{divs}</section>'


def _render_section(html: str, render_document: Render, write: Write) -> Entry:
    document = render_document(html, [NO_FOOTER_CSS])
    return Entry(
        pdf=write(document),
        bookmarks=[list(page.bookmarks) for page in document.pages],
        anchors=[dict(page.anchors) for page in document.pages],
    )


def _draw_under(pdf: bytes, sources: list[bytes], placements: list[tuple[int, int, int]]) -> bytes:
    """Draw each kept page beneath its placeholder page; names and output deterministic."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as out:
        opened: dict[int, Any] = {}
        try:
            for number, index, section_page in placements:
                if index not in opened:
                    opened[index] = pikepdf.open(io.BytesIO(sources[index]))
                form = out.copy_foreign(opened[index].pages[section_page].as_form_xobject())
                # WeasyPrint's pages share one /Resources dictionary: one name per page.
                name = f"/RpShared{number}"
                page = out.pages[number]
                page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(name))
                page.contents_add(out.make_stream(f"q {name} Do Q".encode()), prepend=True)
            _share_font_files(out)
            buffer = io.BytesIO()
            out.save(buffer, deterministic_id=True)
        finally:
            for source in opened.values():
                source.close()
    return buffer.getvalue()


def _share_font_files(pdf: Any) -> None:
    """Point every copy of the same embedded font file at one stream.

    Each kept section brings its own copy of the shipped font (WeasyPrint embeds it whole:
    see ``pdf.py``); without this a handout would carry it once per section.
    """
    import pikepdf

    seen: dict[bytes, Any] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        if obj.get("/Type") != pikepdf.Name.FontDescriptor:
            continue
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            stream = obj.get(key)
            if stream is None:
                continue
            raw = stream.read_raw_bytes()
            first = seen.setdefault(raw, stream)
            if first.objgen != stream.objgen:
                obj[key] = first
