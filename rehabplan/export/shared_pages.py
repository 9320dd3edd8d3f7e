"""Parts of a handout that many patients share: laid out once per process, drawn into each.

Most of a handout is the same from one patient to the next: the exercise cards (what an
exercise is, how to do it, how the dose rises, by plan week) and the advice. Only
the cover, the overview, the dated week grid, the running table and the diary belong to
one patient. WeasyPrint cannot reuse layout across documents, and laying out and drawing
the cards was about half of every handout. So a template marks what may be shared with
``data-shared`` (one exercise card, a phase's goals, the diary's 0–10 header, an advice
item). Such an element is rendered on its own inside the same ancestors (so the same
inherited styles, selectors and width apply), without the page footer, and kept as a PDF
page plus the size of its border box. The handout gets an empty box of exactly that size
with the element's classes, so WeasyPrint paginates the handout as it would with the
element there (same margins, same ``break-inside``), at almost no cost, and the kept
element is drawn over that box, clipped to it (so its ancestors' backgrounds are not
painted twice). Elements, not whole sections, are shared: patients differ in many ways,
and a given card recurs far more often than a given set of cards.

Kept parts are keyed by a hash of their exact HTML, their ancestors, the stylesheet, the
document language and the WeasyPrint and rehabplan versions: a part that differs by one
character is rendered again, so reuse can never show one patient another's content. A
handout's missing parts are rendered together, in one document, and written as one PDF.
The handout's pages keep their running footer, plan id and page numbers; the kept parts'
outline entries and link targets are moved onto them at their exact positions. Each kept
page is then drawn into its place with pikepdf (qpdf): the result looks, extracts
and navigates like one rendering of the whole HTML (the tests compare both). Should the
placeholders not come out as expected, the handout is rendered in one pass instead.

Shared elements nest. A card is kept whole, and so are its picture, doses, steps and
pain rule inside it: a card met for the first time (an exercise seen before with another
dose, most often) is laid out with its kept inner parts as empty boxes and assembled the
same way before it is kept, so a new dose costs its own lines, not the card's drawing.
Every kept page carries only the resources its content uses.

An element taller than a page (which WeasyPrint would split) is left in place; an element
is kept whole (``break-inside: avoid``) where the one-pass rendering might have split it
at a page end. Tagged PDF variants (``pdf/ua-1`` and the like) are not assembled: their
structure tree must describe every page, so they are rendered in one pass (see
``pdf.render_pdf``).

Kept parts live in memory (bounded in bytes, safe to share between threads) and on disk
(``kept_store``), so that other processes and later runs reuse them.
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

from rehabplan.export import kept_store

# Tags of the (well-formed, template-made) handout HTML. Every text from a patient is
# HTML-escaped, so "<" in the text can only start the template's own tags.
_TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>", re.S)
_SHARED_ATTR = re.compile(r"\sdata-shared(?=[\s>/])")
_CLASS = re.compile(r'\sclass="([^"]*)"')
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_BODY = re.compile(r"<body[^>]*>")
_LANG = re.compile(r'<html lang="([^"]*)"')
_MARK = "rp-shared-"
_BLOCK_ID = "rp-block"
_BLOCK_ATTR = re.compile(rf'\sid="{_BLOCK_ID}-\d+"')
_PX_TO_PT = 0.75  # WeasyPrint draws 1 CSS px as 0.75 PDF point

# Rendered on their own, shared parts carry no page footer: the handout page they are
# drawn on has it, with that handout's plan id and page numbers.
NO_FOOTER_CSS = "@page { @bottom-left { content: none } @bottom-right { content: none } }"
PART_CSS = f"""
div.{_MARK}break {{ break-after: page; height: 0; margin: 0; }}
div.{_MARK}edge {{ height: 0; margin: 0; padding: 0 0 0.01px; border: 0; }}
"""
SLOT_CSS = f"""
.{_MARK}slot {{ border: 0 !important; padding: 0 !important; background: none !important;
  box-sizing: border-box !important; min-height: 0 !important; max-height: none !important;
  break-inside: avoid !important; display: block !important; }}
"""

_CACHE_BYTES = 48 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One shared part, rendered: its pages and what each page's outline needs.

    Parts rendered together share one PDF: the part's pages start at ``first_page``.
    """

    pdf: bytes
    first_page: int
    bookmarks: list[list[Any]]  # per page: WeasyPrint's (level, label, (x, y), state)
    anchors: list[dict[str, Any]]  # per page: id → (x1, y1, x2, y2)
    box: tuple[float, float, float, float] | None = None  # a kept element's border box
    # The margins above and below the border box as they collapse with the element's own
    # children: an empty box needs them given explicitly to take the same room.
    margins: tuple[float, float] = (0.0, 0.0)

    @property
    def pages(self) -> int:
        return len(self.bookmarks)


@dataclass
class _Cache:
    entries: OrderedDict[bytes, Entry] = field(default_factory=OrderedDict)
    users: dict[int, int] = field(default_factory=dict)  # id(pdf) → entries using that PDF
    size: int = 0
    hits: int = 0
    misses: int = 0
    one_pass: int = 0  # handouts that had to be rendered in one pass after all
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: bytes) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def count(self, *, hit: bool) -> None:
        """One lookup, answered from memory or disk (hit) or rendered (miss)."""
        with self.lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def put(self, key: bytes, entry: Entry) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = entry
            if id(entry.pdf) not in self.users:  # a PDF shared by several entries counts once
                self.size += len(entry.pdf)
            self.users[id(entry.pdf)] = self.users.get(id(entry.pdf), 0) + 1
            while self.size > _CACHE_BYTES and len(self.entries) > 1:
                _, old = self.entries.popitem(last=False)
                self.users[id(old.pdf)] -= 1
                if self.users[id(old.pdf)] == 0:
                    del self.users[id(old.pdf)]
                    self.size -= len(old.pdf)


_cache = _Cache()


def cache_info() -> dict[str, int]:
    """Hits, misses, entries and bytes of this process's cache (for benchmarks)."""
    with _cache.lock:
        return {"hits": _cache.hits, "misses": _cache.misses, "one_pass": _cache.one_pass,
                "entries": len(_cache.entries), "bytes": _cache.size}  # fmt: skip


def clear_cache() -> None:
    with _cache.lock:
        _cache.entries.clear()
        _cache.users.clear()
        _cache.size = _cache.hits = _cache.misses = _cache.one_pass = 0


Render = Callable[[str, list[Any]], Any]  # (html, extra stylesheets) → weasyprint.Document
Write = Callable[[Any], bytes]  # weasyprint.Document → PDF bytes


@dataclass(frozen=True)
class _Part:
    """One ``data-shared`` element found in the handout HTML."""

    start: int
    end: int
    name: str  # tag name
    opening: str  # its opening tag
    html: str  # the whole element
    ancestors: tuple[str, ...]  # opening tags of the elements it is in (inside <body>)

    def document_html(self, block_id: str) -> str:
        """The element, marked with ``block_id``, inside its ancestors, between two edge
        markers that show how far its margins reach."""
        # Without its own data-shared: what it holds that is shared is drawn from kept
        # parts in turn (see ``_Assembly.assemble``).
        marked = _SHARED_ATTR.sub("", self.opening)[:-1].rstrip("/") + f' id="{block_id}">'
        closing = "".join(f"</{_tag_name(tag)}>" for tag in reversed(self.ancestors))
        edges = (f'<div class="{_MARK}edge" id="{block_id}-above"></div>',
                 f'<div class="{_MARK}edge" id="{block_id}-below"></div>')  # fmt: skip
        element = marked + self.html[len(self.opening) :]
        return "".join(self.ancestors) + edges[0] + element + edges[1] + closing


@dataclass
class _Assembly:
    """One handout being assembled: the kept parts it uses, in order."""

    head: str
    css_hash: bytes
    render_document: Render
    write: Write
    entries: list[Entry | None] = field(default_factory=list)

    def key(self, part: _Part) -> bytes:
        fields = [self.css_hash, self.head.encode(), *(a.encode() for a in part.ancestors)]
        return hashlib.sha256(b"\0".join([*fields, part.html.encode()])).digest()

    def fetch(self, parts: list[_Part]) -> list[Entry]:
        """Each part's entry: from memory, from the store on disk, or rendered now, all
        misses in one document (a handout's first rendering pays one document's set-up,
        not one per card)."""
        keys = [self.key(part) for part in parts]
        found: dict[bytes, Entry] = {}
        missing: dict[bytes, _Part] = {}
        disk = kept_store.store()
        for key, part in zip(keys, parts, strict=True):
            if key in found or key in missing:
                continue
            entry = _cache.get(key)
            if entry is None and disk is not None:
                entry = _from_record(disk.get(key))
                if entry is not None:
                    _cache.put(key, entry)
            _cache.count(hit=entry is not None)
            if entry is None:
                missing[key] = part
            else:
                found[key] = entry
        if missing:
            entries = self._render(list(missing.values()))
            for key, entry in zip(missing, entries, strict=True):
                _cache.put(key, entry)
                found[key] = entry
            if disk is not None:
                disk.put([(key, _record(e)) for key, e in zip(missing, entries, strict=True)],
                         entries[0].pdf)  # fmt: skip
        return [found[key] for key in keys]

    def _render(self, parts: list[_Part]) -> list[Entry]:
        # Parts follow each other as siblings, a forced page break between them: a break
        # after one element and a break before the next (a section's) are one break.
        body = f'<div class="{_MARK}break"></div>'.join(
            part.document_html(f"{_BLOCK_ID}-{i}") for i, part in enumerate(parts)
        )
        document, pdf = self.assemble(
            self.head + body + "</body></html>", [NO_FOOTER_CSS, PART_CSS], parts=True
        )
        first_pages = {}
        for number, page in enumerate(document.pages):
            for name in page.anchors:
                if name.startswith(f"{_BLOCK_ID}-") and name.rsplit("-", 1)[1].isdigit():
                    first_pages.setdefault(int(name.rsplit("-", 1)[1]), number)
        entries = []
        for i, _ in enumerate(parts):
            if i not in first_pages:  # no box at all (display: none): nothing to keep
                entries.append(Entry(pdf=pdf, first_page=0, bookmarks=[], anchors=[]))
                continue
            first = first_pages[i]
            last = min((p for j, p in first_pages.items() if j > i), default=len(document.pages))
            pages = document.pages[first:last]
            anchors = [
                {n: a for n, a in page.anchors.items() if not n.startswith(_BLOCK_ID)}
                for page in pages
            ]
            box = pages[0].anchors.get(f"{_BLOCK_ID}-{i}")
            above = pages[0].anchors.get(f"{_BLOCK_ID}-{i}-above")
            below = pages[-1].anchors.get(f"{_BLOCK_ID}-{i}-below")
            margins = (0.0, 0.0)
            if box is not None and above is not None and below is not None:
                margins = (max(box[1] - above[3], 0.0), max(below[1] - box[3], 0.0))
            entries.append(
                Entry(
                    pdf=pdf,
                    first_page=first,
                    bookmarks=[list(page.bookmarks) for page in pages],
                    anchors=anchors,
                    box=box,
                    margins=margins,
                )
            )
        return entries

    def assemble(self, html: str, stylesheets: list[str], *, parts: bool) -> tuple[Any, bytes]:
        """``html`` laid out and written as one PDF, its own ``data-shared`` elements
        drawn from kept parts (rendered now if missing). Returns the WeasyPrint document,
        whose pages carry the kept parts' outline entries and anchors, and the PDF.

        A shared element may hold shared elements: a card holds its picture, its doses,
        its steps. A handout that has the card kept draws it whole; a card seen for the
        first time is laid out here with its inner parts as empty boxes, so a new dose
        costs a few lines of layout, not the whole card with its drawing.
        """
        if "data-shared" in html:
            inner = _Assembly(self.head, self.css_hash, self.render_document, self.write)
            document = self.render_document(_replace_shared(html, inner),
                                            [*stylesheets, SLOT_CSS])  # fmt: skip
            placements = _place(document, inner.entries)
            if placements is not None:
                pdf = _draw(self.write(document), inner.entries, placements, prune=parts)
                return document, pdf
            with _cache.lock:  # a placeholder split or vanished: never guess
                _cache.one_pass += 1
        document = self.render_document(html, stylesheets)
        pdf = self.write(document)
        return document, _draw(pdf, [], [], prune=True) if parts else pdf

    def placeholder(self, part: _Part, entry: Entry) -> str:
        self.entries.append(entry)
        index = len(self.entries) - 1
        # Taller than a page, its own id (it would be an anchor twice), or ancestors with
        # ids (they would repeat on the kept page): lay it out here.
        if (
            entry.pages != 1
            or entry.box is None
            or " id=" in part.opening
            or len(entry.anchors[0]) != _count_ids(part.html)
        ):
            self.entries[index] = None
            return part.html
        height = entry.box[3] - entry.box[1]
        top, bottom = entry.margins
        classes = _CLASS.search(part.opening)
        tag = "div" if part.name in {"table", "tr", "td", "th", "li", "span"} else part.name
        return (
            f'<{tag} class="{classes.group(1) if classes else ""} {_MARK}slot" '
            f'id="{_MARK}slot-{index}" style="height: {height!r}px; '
            f'margin-top: {top!r}px; margin-bottom: {bottom!r}px"></{tag}>'
        )


def _record(entry: Entry) -> dict[str, Any]:
    """An entry as JSON-ready data for the store on disk (its PDF goes separately)."""
    return {
        "first_page": entry.first_page,
        "bookmarks": entry.bookmarks,
        "anchors": entry.anchors,
        "box": entry.box,
        "margins": entry.margins,
    }


def _from_record(record: dict[str, Any] | None) -> Entry | None:
    """An entry back from the store; None if the record is not what ``_record`` wrote."""
    if record is None:
        return None
    try:
        return Entry(
            pdf=record["pdf"],
            first_page=int(record["first_page"]),
            bookmarks=[[(int(level), str(label), (float(x), float(y)), state)
                        for level, label, (x, y), state in page] for page in record["bookmarks"]],
            anchors=[{str(n): tuple(float(v) for v in a) for n, a in page.items()}
                     for page in record["anchors"]],
            box=tuple(float(v) for v in record["box"]) if record["box"] else None,
            margins=tuple(float(v) for v in record["margins"]),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None


def _tag_name(opening: str) -> str:
    return re.match(r"<([a-zA-Z][a-zA-Z0-9]*)", opening).group(1).lower()  # type: ignore[union-attr]


def _count_ids(part: str) -> int:
    return len(set(re.findall(r'\sid="([^"]*)"', part)))


def _find_shared(html: str) -> list[_Part]:
    """Every ``data-shared`` element of ``html`` (not those inside another one)."""
    parts: list[_Part] = []
    stack: list[tuple[str, str]] = []  # open elements: (name, opening tag)
    position = 0
    while (match := _TAG.search(html, position)) is not None:
        position = match.end()
        name = (match.group(2) or "").lower()
        if not name:
            continue  # a comment
        if match.group(1):  # a closing tag: pop up to its element
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    del stack[depth:]
                    break
            continue
        opening = match.group(0)
        if name in _VOID or opening.endswith("/>"):
            continue
        end = _element_end(html, match, name) if _SHARED_ATTR.search(opening) else None
        if end is None:  # an ordinary element (or one never closed: left as it is)
            stack.append((name, opening))
            continue
        # Without the marks of a parts document (``_Part.document_html``): a part inside
        # a card has the same key whether the card is rendered alone or in a handout.
        ancestors = tuple(_BLOCK_ATTR.sub("", tag) for tag_name, tag in stack
                          if tag_name not in {"html", "body"})  # fmt: skip
        parts.append(_Part(match.start(), end, name, opening, html[match.start() : end],
                           ancestors))  # fmt: skip
        position = end
    return parts


def _replace_shared(html: str, assembly: _Assembly) -> str:
    """``html`` with each ``data-shared`` element replaced by its placeholder."""
    parts = _find_shared(html)
    out: list[str] = []
    last = 0
    for part, entry in zip(parts, assembly.fetch(parts), strict=True):
        out.append(html[last : part.start])
        out.append(assembly.placeholder(part, entry))
        last = part.end
    out.append(html[last:])
    return "".join(out)


def _element_end(html: str, start: re.Match[str], name: str) -> int | None:
    """Where the element opened by ``start`` ends (after its closing tag), or None."""
    same = re.compile(rf"<(/?){name}\b[^>]*>", re.I)
    depth = 1
    for match in same.finditer(html, start.end()):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return None


def _css_hash(css_text: str) -> bytes:
    """What besides the HTML decides how a part looks: the stylesheet, the CSS this module
    adds, and the versions of WeasyPrint and rehabplan (kept parts outlive the process)."""
    from weasyprint import __version__ as weasyprint_version

    from rehabplan import __version__

    fixed = "\0".join([kept_store.FORMAT, weasyprint_version, __version__, NO_FOOTER_CSS, PART_CSS,
                       SLOT_CSS])  # fmt: skip
    return hashlib.sha256(fixed.encode() + b"\0" + css_text.encode()).digest()


def render(html: str, css_text: str, render_document: Render, write: Write) -> bytes:
    """``html`` as PDF, with its shared parts drawn from the cache.

    ``css_text`` is the stylesheet the caller renders with: the same part under another
    stylesheet (paper size, clinic) is another entry.
    """
    if "data-shared" not in html:
        return write(render_document(html, []))
    lang = _LANG.search(html)
    body = _BODY.search(html)
    assembly = _Assembly(
        head=(
            f'<!DOCTYPE html><html lang="{lang.group(1) if lang else ""}">'
            f'<head><meta charset="utf-8"></head>{body.group(0) if body else "<body>"}'
        ),
        css_hash=_css_hash(css_text),
        render_document=render_document,
        write=write,
    )
    return assembly.assemble(html, [], parts=False)[1]


def _place(document: Any, entries: list[Entry | None]) -> list[_Placement] | None:
    """Where each kept part goes on ``document``'s pages (its empty box), with the part's
    outline entries and anchors moved onto the page; None if a box split or vanished."""
    placements: list[_Placement] = []
    for number, page in enumerate(document.pages):
        marks = sorted(name for name in page.anchors if name.startswith(_MARK))
        moved = False
        for name in marks:
            x1, y1, _, _ = page.anchors.pop(name)
            index = int(name.rsplit("-", 1)[1])
            entry = entries[index]
            assert entry is not None and entry.box is not None  # only kept parts have slots
            bx1, by1, bx2, by2 = entry.box
            dx, dy = x1 - bx1, y1 - by1
            for level, label, (x, y), state in entry.bookmarks[0]:
                page.bookmarks.append((level, label, (x + dx, y + dy), state))
                moved = True
            for anchor, (ax1, ay1, ax2, ay2) in entry.anchors[0].items():
                page.anchors.setdefault(anchor, (ax1 + dx, ay1 + dy, ax2 + dx, ay2 + dy))
            clip = (bx1 + dx - 1, by1 + dy - 1, bx2 + dx + 1, by2 + dy + 1)
            placements.append(_Placement(number, index, dx, dy, clip))
        if moved:  # the outline follows the page from top to bottom
            page.bookmarks.sort(key=lambda bookmark: (bookmark[2][1], bookmark[2][0]))
    expected = sum(1 for entry in entries if entry is not None)
    return placements if len(placements) == expected else None


@dataclass(frozen=True)
class _Placement:
    """The kept page of entry ``index`` drawn on handout page ``page``."""

    page: int
    index: int
    dx: float  # CSS px
    dy: float
    clip: tuple[float, float, float, float]  # CSS px box on the handout page


def _draw(
    pdf: bytes, entries: list[Entry | None], placements: list[_Placement], *, prune: bool = False
) -> bytes:
    """Draw each kept page over its empty box on the handout page, shifted by (dx, dy)
    and clipped to the box: after the page has painted its own content (the ancestors'
    backgrounds), as one rendering would. Resource names are derived from positions, so
    the same input gives the same bytes.

    ``prune``: every page keeps only the resources its content uses. A kept page becomes
    a form XObject that takes its page's resources along; WeasyPrint lists every font,
    image and pattern of the document for every page, so unpruned, one kept card would
    bring the drawings of all the cards rendered with it into each handout.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as out:
        opened: dict[int, Any] = {}
        forms: dict[tuple[int, int], Any] = {}
        drawn: dict[int, list[bytes]] = {}
        try:
            for placement in placements:
                number = placement.page
                entry = entries[placement.index]
                assert entry is not None
                source = (id(entry.pdf), entry.first_page)
                if source not in forms:  # once per kept page, however often it is drawn
                    if id(entry.pdf) not in opened:
                        opened[id(entry.pdf)] = pikepdf.open(io.BytesIO(entry.pdf))
                    kept = opened[id(entry.pdf)].pages[entry.first_page]
                    forms[source] = out.copy_foreign(kept.as_form_xobject())
                page = out.pages[number]
                if number not in drawn:
                    _own_xobjects(page)
                commands = drawn.setdefault(number, [])
                name = f"/RpShared{number}_{len(commands) + 1}"
                page.add_resource(forms[source], pikepdf.Name.XObject,
                                  pikepdf.Name(name))  # fmt: skip
                # CSS px from the top left; PDF points from the bottom left.
                height = float(page.mediabox[3])
                x1, y1, x2, y2 = (v * _PX_TO_PT for v in placement.clip)
                dx, dy = placement.dx * _PX_TO_PT, -placement.dy * _PX_TO_PT
                commands.append(
                    f"q {x1:.4f} {height - y2:.4f} {x2 - x1:.4f} {y2 - y1:.4f} re W n "
                    f"1 0 0 1 {dx:.4f} {dy:.4f} cm {name} Do Q\n".encode()
                )
            for number, commands in drawn.items():
                # The page's own content may leave a transformation in force: isolate it.
                out.pages[number].contents_add(out.make_stream(b"q\n"), prepend=True)
                out.pages[number].contents_add(out.make_stream(b"Q\n" + b"".join(commands)))
            if prune:
                for page in out.pages:
                    page.remove_unreferenced_resources()
            _share_font_files(out)
            buffer = io.BytesIO()
            out.save(
                buffer, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate
            )
        finally:
            for source in opened.values():
                source.close()
    return buffer.getvalue()


def _own_xobjects(page: Any) -> None:
    """Give ``page`` its own /Resources and /XObject dictionaries (entries still shared).

    WeasyPrint's pages share one /Resources dictionary. Kept parts drawn into it would be
    listed for every page, so a page later kept whole (a card holding its kept picture
    and doses) would carry, as a form, every part drawn on any page of its document.
    """
    import pikepdf

    shared = page.obj.get("/Resources", pikepdf.Dictionary())
    own = pikepdf.Dictionary({key: value for key, value in shared.items()})
    xobjects = shared.get("/XObject", pikepdf.Dictionary())
    own.XObject = pikepdf.Dictionary({key: value for key, value in xobjects.items()})
    page.obj.Resources = own


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
