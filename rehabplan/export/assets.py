"""Files the handout needs, read once per process: stylesheet, font faces, illustrations.

Batch workers render thousands of handouts; reading and base64-encoding the same SVG or
CSS for each one would be wasted work, so everything here is cached by path.
"""

from __future__ import annotations

import base64
import struct
import zlib
from functools import cache
from pathlib import Path

from rehabplan.paths import templates_dir

FONT_FAMILY = "Rehab Sans"
_FACES = (
    ("NotoSans-Regular.subset.ttf", "normal", "normal"),
    ("NotoSans-Bold.subset.ttf", "bold", "normal"),
    ("NotoSans-Italic.subset.ttf", "normal", "italic"),
)


@cache
def font_face_css() -> str:
    """``@font-face`` rules carrying the shipped font as ``data:`` URIs (~130 KB of base64).

    Embedded, so ``handout.html`` renders with its own font on any machine and in a
    browser over HTTP, and names no path of the installation. WeasyPrint decodes the faces
    once per process: the stylesheet they are in is parsed once (see ``pdf.py``).
    """
    fonts = templates_dir() / "fonts"
    rules = []
    for file, weight, style in _FACES:
        data = base64.b64encode((fonts / file).read_bytes()).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; "
            f"src: url('data:font/ttf;base64,{data}') format('truetype'); "
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


@cache
def _covered() -> frozenset[int]:
    """Code points the shipped font draws (the same set in all three faces)."""
    from fontTools.ttLib import TTFont

    with TTFont(templates_dir() / "fonts" / _FACES[0][0], lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` the shipped font cannot draw (CJK, emoji, …), in order.

    The stylesheet falls back to the system's sans-serif for them, so they print where the
    machine has a font with them and stay blank where it has none; callers warn.
    """
    covered = _covered()
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in covered))


@cache
def stylesheet(paper: str) -> str:
    """The whole handout stylesheet for one paper size, as text to inline in ``<style>``."""
    size = {"a4": "A4", "letter": "letter"}[paper]
    css = (templates_dir() / "handout.css").read_text(encoding="utf-8")
    row_mm = DIARY_DONE_MM + 2 * DIARY_SCALE_MM
    # Two backgrounds of a diary page's rows, drawn once per page (not per row or per
    # week): the boxes, a tiled image, and the rule under each row, a repeating gradient
    # (vector, so it stays exactly under its row at any zoom; a tiled image of the rule
    # drifted by a pixel a row in some viewers).
    line = DIARY_ROW_MM - DIARY_RULE_MM
    boxes = (
        f'.dr-rows {{ background: url("{diary_row_uri()}") repeat-y right top, '
        f"repeating-linear-gradient(to bottom, transparent 0, transparent {line}mm, "
        f"#e1e7ed {line}mm, #e1e7ed {DIARY_ROW_MM}mm); "
        f"background-size: {row_mm}mm {DIARY_ROW_MM}mm, auto; }}"
    )
    return f"{font_face_css()}\n@page {{ size: {size}; }}\n{css}\n{boxes}\n"


@cache
def svg_data_uri(path: Path) -> str:
    """An SVG file as a ``data:`` URI, read and encoded once per process."""
    raw = Path(path).read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(raw).decode("ascii")


DIARY_DONE_MM = 9.0
DIARY_SCALE_MM = 55.0
DIARY_PITCH_MM = 4.9
DIARY_ROW_MM = 6.0  # the line height of a diary row (handout.css: .dr)
DIARY_RULE_MM = 0.15  # the rule under each row


def diary_box_centres_mm() -> list[float]:
    """Horizontal centres of the diary's tick boxes: "done", then two 0–10 scales.

    The header in ``partials/diary.html.j2`` uses the same widths (see ``handout.css``).
    """
    centres = [DIARY_DONE_MM / 2]
    for scale in range(2):
        left = DIARY_DONE_MM + scale * DIARY_SCALE_MM + 1.0
        centres += [left + DIARY_PITCH_MM * (i + 0.5) for i in range(11)]
    return centres


@cache
def diary_row_uri() -> str:
    """The empty boxes of one diary row, as one small PNG tiled down a diary page.

    A raster image is embedded once in the PDF and tiled behind the rows; drawing the same
    boxes as SVG or as bordered elements costs a render per cell (measured: ~1.5 s for a
    150-session diary). At 12 px per mm (≈ 300 dpi) the outlines print crisply.
    """
    px_per_mm = 12
    width = round((DIARY_DONE_MM + 2 * DIARY_SCALE_MM) * px_per_mm)
    height = round(DIARY_ROW_MM * px_per_mm)
    box = round(3.85 * px_per_mm)
    top = (height - box) // 2
    # Grey and alpha: transparent between the boxes, so the rule under the row (a
    # background layer below this one) shows through.
    ink = bytearray(2 * width * height)

    def dot(x: int, y: int) -> None:
        at = 2 * (y * width + x)
        ink[at : at + 2] = b"\x5b\xff"  # grey #5b5b5b, opaque

    for centre in diary_box_centres_mm():
        x0 = round(centre * px_per_mm - box / 2)
        x1 = x0 + box
        for i in range(box + 1):  # the four sides of one box
            dot(x0 + i, top)
            dot(x0 + i, top + box)
            dot(x0, top + i)
            dot(x1, top + i)
    stride = 2 * width
    rows = b"".join(b"\x00" + bytes(ink[y * stride : (y + 1) * stride]) for y in range(height))
    png = _png_gray_alpha(width, height, rows)
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _png_gray_alpha(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 4, 0, 0, 0)  # 8-bit grey + alpha
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def qr_svg_uri(url: str) -> str:
    """A QR code for the calendar feed, as an SVG ``data:`` URI (vector, prints sharply)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#1f2d3a")
