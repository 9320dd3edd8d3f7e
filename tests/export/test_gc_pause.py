"""Rendering pauses Python's garbage collector (``rehabplan.export.gc_pause``): it must
leave nothing behind, give the collector back as it found it, and cope with threads."""

from __future__ import annotations

import gc
import threading

import pytest


@pytest.fixture(scope="module")
def referral(helpers):
    from rehabplan.export.html import referral_html
    from rehabplan.profile_io import read_profile
    from rehabplan.screening import referral_for, screen

    flagged = read_profile(helpers.plan_for.__globals__["EXAMPLES"] / "tomas-red-flags.yaml")
    return referral_html(referral_for(flagged, screen(flagged)), helpers.options())


def _boxes_alive() -> int:
    from weasyprint.formatting_structure.boxes import Box

    return sum(1 for obj in gc.get_objects() if isinstance(obj, Box))


def test_a_rendering_leaves_no_layout_behind_and_the_collector_on(referral, helpers):
    from rehabplan.export.pdf import render_pdf

    render_pdf(referral, helpers.options())
    gc.collect()
    assert gc.isenabled()
    pdf = render_pdf(referral, helpers.options())
    assert pdf.startswith(b"%PDF")
    assert gc.isenabled()
    # Nothing of its layout (thousands of boxes in reference cycles) outlives it.
    assert _boxes_alive() == 0


def test_a_collector_switched_off_by_the_application_stays_off(referral, helpers):
    from rehabplan.export.pdf import render_pdf

    gc.disable()
    try:
        render_pdf(referral, helpers.options())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_threads_rendering_at_once_give_the_collector_back(referral, helpers):
    from rehabplan.export.pdf import render_pdf

    results: list[bytes] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(render_pdf(referral, helpers.options()))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 3 and len(set(results)) == 1
    assert gc.isenabled()
