"""How fast is one handout? Median ms per handout, ms per page, and the ratio to WeasyPrint's
default path on the same HTML, over a series of different patients.

Run: ``.venv/bin/python benchmarks/bench_handout.py [--patients N] [--paper a4|letter]``

What is measured
  * patients: the Berlin example, then synthetic patients varied across the whole input
    space (condition, side, age, days, equipment, cross-training, time zone, start date:
    ``bench_batch.synthetic_patients``), so that no two handouts are the same and parts
    shared between handouts are reused only as far as real variety allows. Referral
    letters are skipped (they are one page).
  * ours: ``render_pdf(html, options)`` exactly as ``rehabplan plan`` calls it, in a warm
    process: fonts and the parsed stylesheet are loaded by a warm-up (a referral letter),
    and the cache of shared parts (``rehabplan.export.shared_pages``, in memory and on
    disk in a fresh ``REHABPLAN_CACHE_DIR``) starts EMPTY, so its misses are part of the
    figures. The first handout (everything missing) is printed
    on its own.
  * default: ``weasyprint.HTML(string=html_default).write_pdf()`` — a fresh WeasyPrint
    call as most projects make it: new FontConfiguration each time, fonts subset per
    document. ``html_default`` is our HTML with the ``@font-face`` rules removed, so text
    falls back to the system's default font (fontconfig picks Noto Sans or DejaVu Sans);
    markup, layout CSS and images are identical.

A second round renders the same patients again (reprints): everything shareable is then
kept, which shows the floor set by the parts that belong to each patient alone.

Both are timed alternately per patient in the same process; medians are reported
because this machine is shared and single timings are noisy. Goals from the issue:
≤ 25 ms per page and ≥ 3× faster than the default path.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def patients(n: int) -> list:
    """The Berlin example and ``n - 1`` synthetic patients, as validated plans."""
    from bench_batch import synthetic_patients

    from rehabplan.batch.columns import row_to_mapping
    from rehabplan.library import default_library
    from rehabplan.models.plan import Plan
    from rehabplan.planner import build_plan
    from rehabplan.profile_io import profile_from_mapping, read_profile
    from rehabplan.protocol import default_protocol
    from rehabplan.screening import screen

    profiles = [read_profile(ROOT / "examples" / "francois-meniscus-berlin.yaml")]
    for row in synthetic_patients(4 * n):
        profiles.append(profile_from_mapping(row_to_mapping(row), "synthetic"))
    plans = []
    for profile in profiles:
        if screen(profile).refer:
            continue
        plan = build_plan(profile, default_library(), default_protocol())
        if isinstance(plan, Plan):
            plans.append(plan)
        if len(plans) == n:
            break
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=12)
    parser.add_argument("--paper", default="a4", choices=["a4", "letter"])
    args = parser.parse_args()

    import os
    import tempfile

    # An empty store of kept parts on disk, so nothing from an earlier run is reused.
    os.environ["REHABPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-kept-")

    import pikepdf
    import weasyprint

    from rehabplan.export import shared_pages
    from rehabplan.export.assets import font_face_css
    from rehabplan.export.html import handout_html, referral_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.library import default_library
    from rehabplan.pipeline import ExportOptions
    from rehabplan.profile_io import read_profile
    from rehabplan.screening import referral_for, screen

    options = ExportOptions(paper=args.paper)
    flagged = read_profile(ROOT / "examples" / "tomas-red-flags.yaml")
    referral = referral_for(flagged, screen(flagged))
    render_pdf(referral_html(referral, options), options)  # warm-up: fonts, stylesheet
    shared_pages.clear_cache()

    plans = patients(args.patients)
    rows = []
    for plan in plans:
        t0 = time.perf_counter()
        html = handout_html(plan, default_library(), options)
        t1 = time.perf_counter()
        pdf = render_pdf(html, options)
        t2 = time.perf_counter()
        weasyprint.HTML(string=html.replace(font_face_css(), "")).write_pdf()
        t3 = time.perf_counter()
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            pages = len(doc.pages)
        rows.append(((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, pages))

    info = shared_pages.cache_info()
    # A second round over the same patients (reprints): every shared part is kept, so
    # this is the floor set by what belongs to each patient alone.
    again = []
    for plan, row in zip(plans, rows, strict=True):
        html = handout_html(plan, default_library(), options)
        t0 = time.perf_counter()
        render_pdf(html, options)
        again.append((time.perf_counter() - t0) * 1000 / row[3])

    html_ms, ours, default, pages = (list(column) for column in zip(*rows, strict=True))
    per_page = [o / p for o, p in zip(ours, pages, strict=True)]
    default_per_page = [d / p for d, p in zip(default, pages, strict=True)]
    med_ours, med_default = statistics.median(ours), statistics.median(default)
    print(f"handouts           {len(rows)} different patients ({args.paper}), "
          f"{min(pages)}–{max(pages)} pages, median {statistics.median(pages):.0f}")  # fmt: skip
    print(f"html (Jinja2)      {statistics.median(html_ms):8.1f} ms")
    print(f"first handout      {ours[0]:8.1f} ms   {per_page[0]:6.1f} ms/page   "
          f"(nothing kept yet; default path {default[0]:.0f} ms)")  # fmt: skip
    print(f"handout (ours)     {med_ours:8.1f} ms   {statistics.median(per_page):6.1f} ms/page"
          "   (median)")  # fmt: skip
    print(f"default WeasyPrint {med_default:8.1f} ms   "
          f"{statistics.median(default_per_page):6.1f} ms/page   (median)")  # fmt: skip
    print(f"speed-up           {med_default / med_ours:8.2f} ×   (medians)")
    print(f"speed-up (total)   {sum(default) / sum(ours):8.2f} ×   (all handouts, first included)")
    hits, total = info["hits"], info["hits"] + info["misses"]
    print(f"shared parts       {hits} of {total} drawn from the cache "
          f"({hits / max(total, 1):.0%}), {info['bytes'] / 2**20:.1f} MiB kept")  # fmt: skip
    floor = statistics.median(again)
    ratio = statistics.median(default_per_page) / floor
    print(f"second round       {floor:8.1f} ms/page   (same patients again, all shared parts "
          f"kept: {ratio:.2f} × the default path)")  # fmt: skip
    print(f"pdf size           {len(pdf) / 1024:8.0f} KiB (last handout)")


if __name__ == "__main__":
    main()
