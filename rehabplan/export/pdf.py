"""HTML → PDF with WeasyPrint, tuned for many documents per process.

What costs time in WeasyPrint is font handling and layout. So: one FontConfiguration per
process (the ``@font-face`` files are registered once and recognised on every later
document), one image cache shared across documents (illustrations are parsed once), and
``full_fonts=True`` because the shipped font is already a ~32 KB Latin subset; subsetting
it again for every document would cost more than it saves. WeasyPrint is imported lazily
so that ``rehabplan plan --format json`` never pays for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rehabplan.errors import InputError, Problem
from rehabplan.paths import templates_dir

_IMAGE_CACHE_LIMIT = 512


@cache
def _weasy() -> Any:
    import weasyprint

    return weasyprint


@cache
def font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


_image_cache: dict[str, Any] = {}


def known_variants() -> list[str]:
    from weasyprint.pdf import VARIANTS

    return sorted(VARIANTS)


def render_pdf(html: str, options) -> bytes:
    """Render handout or referral HTML to PDF bytes (``options``: ``pipeline.ExportOptions``)."""
    weasyprint = _weasy()
    variant = options.pdf_variant
    if variant is not None and variant not in known_variants():
        raise InputError(
            [
                Problem(
                    "--pdf-variant",
                    "",
                    f"unknown PDF variant {variant!r}; choose from {', '.join(known_variants())}",
                )
            ]
        )
    if len(_image_cache) > _IMAGE_CACHE_LIMIT:
        _image_cache.clear()  # bounded: long-lived workers must not grow without limit
    document = weasyprint.HTML(string=html, base_url=str(templates_dir()) + "/")
    return document.write_pdf(
        font_config=font_config(),
        cache=_image_cache,
        full_fonts=True,
        pdf_variant=variant,
        pdf_identifier=None,
    )
