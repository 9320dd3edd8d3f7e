"""Compute each distinct ``@page`` style once per document instead of once per page.

WeasyPrint computes the style of every page, and of each of its margin boxes, afresh:
a page's type carries its index (for ``:nth()`` selectors), so no two pages share a
key. Computed styles are lazy, so every page then recomputes the few hundred properties
its layout reads (the sixteen margin boxes resolve their margins, borders and paddings
even when empty). That was half of what an empty page cost: ~2.0 → ~1.0 ms a page
(~2.7 → ~1.3 ms with our two footer boxes), 10–15 % of a handout whose shared parts
are kept, and as much of every page of the documents that lay out new parts.

Two pages matched by the same ``@page`` selectors get the same cascaded declarations
(``add_page_declarations`` adds them in sheet and rule order) and inherit from the same
root element, so their computed styles are equal: here the second page reuses the
first one's style objects. The only writes WeasyPrint makes to a page style afterwards
(``_standardize_page_based_counters``, ``overflow`` from the root box) give the same
value every time. Content, counters and running elements are evaluated per page from
the page state, not stored in the style, so they are unaffected. The tests render
handouts and pages with ``:first``, ``:left``, named and ``:nth()`` page rules both
ways and compare the bytes.

This replaces a private WeasyPrint function, for rehabplan's documents only (other
``weasyprint.HTML`` documents of the process, such as the benchmarks' default path, get
WeasyPrint's own); ``install`` leaves WeasyPrint alone when its internals are not the ones
this was written against (only speed is at stake).
"""

from __future__ import annotations

from typing import Any

_original: Any = None
# Kept on the document's StyleFor (so per document, and gone with it): the matching page
# selectors → the page's style and its margin boxes' styles, by pseudo-element.
_ATTRIBUTE = "_rehabplan_page_styles"


def _matching_selectors(page_type: Any, style_for: Any) -> tuple[tuple[int, int, int], ...]:
    """Which ``@page`` selectors match ``page_type``, as positions in the stylesheets."""
    match = style_for._page_type_match
    return tuple(
        (sheet_index, rule_index, selector_index)
        for sheet_index, (sheet, _origin, _specificity) in enumerate(style_for._sheets)
        for rule_index, (_rule, selectors, _declarations) in enumerate(sheet.page_rules)
        for selector_index, selector in enumerate(selectors)
        if match(selector[2], page_type)
    )


def set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
    """WeasyPrint's function of the same name, reusing the styles of an equal earlier page
    in rehabplan's own documents (``pdf._html_class``); any other document as before."""
    if not getattr(html, "reuse_page_styles", False):
        _original(page_type, html, style_for)
        return
    try:
        key = _matching_selectors(page_type, style_for)
        known = style_for.__dict__.setdefault(_ATTRIBUTE, {})
    except (AttributeError, TypeError, ValueError):  # not the internals this was written for
        _original(page_type, html, style_for)
        return
    styles = known.get(key)
    if styles is None:
        _original(page_type, html, style_for)
        computed = style_for.get_computed_styles()
        known[key] = {pseudo: style for (element, pseudo), style in computed.items()
                      if element == page_type}  # fmt: skip
        return
    style_for.add_page_declarations(page_type)  # the cascade stays as WeasyPrint leaves it
    computed = style_for.get_computed_styles()
    for pseudo, style in styles.items():
        computed[page_type, pseudo] = style


def install() -> bool:
    """Put ``set_page_type_computed_styles`` in WeasyPrint's place; False if not done."""
    global _original
    try:
        from weasyprint.css import StyleFor
        from weasyprint.layout import page
    except ImportError:
        return False
    if _original is not None:
        return True
    needed = ("_page_type_match", "add_page_declarations", "get_computed_styles")
    if not all(hasattr(StyleFor, name) for name in needed) or not hasattr(
        page, "set_page_type_computed_styles"
    ):
        return False
    _original = page.set_page_type_computed_styles
    page.set_page_type_computed_styles = set_page_type_computed_styles
    return True


def uninstall() -> None:
    """Give WeasyPrint its own function back (tests compare both)."""
    global _original
    if _original is not None:
        from weasyprint.layout import page

        page.set_page_type_computed_styles = _original
        _original = None
