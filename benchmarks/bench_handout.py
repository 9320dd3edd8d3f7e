"""How fast is one handout? Median ms per handout, ms per page, and the ratio to WeasyPrint's
default path on the same HTML.

Run: ``.venv/bin/python benchmarks/bench_handout.py [--runs N] [--example NAME]``

What is measured
  * ours: ``render_pdf(html, options)`` exactly as ``rehabplan plan`` calls it, in a warm
    process (the cached FontConfiguration, parsed stylesheet and lean user-agent stylesheet
    already exist, as they do in a batch worker or the server after the first handout).
    HTML generation is timed separately.
  * default: ``weasyprint.HTML(string=html_default).write_pdf()`` — a fresh WeasyPrint
    call as most projects make it: new FontConfiguration each time, fonts subset per
    document. ``html_default`` is our HTML with the ``@font-face`` rules
    removed, so text falls back to the system's default font (fontconfig picks Noto Sans or
    DejaVu Sans); everything else — markup, layout CSS, images — is identical, so the
    comparison isolates font and caching strategy, not different content.

Both runs alternate in the same process and the median of N runs is reported, because
this machine is shared and single timings are noisy; the CPU time of this process is
printed too, as it is less disturbed by other work on the machine. Goals from the issue: ≤ 25 ms per
page and ≥ 3× faster than the default path.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--example", default="francois-meniscus-berlin")
    parser.add_argument("--paper", default="a4", choices=["a4", "letter"])
    args = parser.parse_args()

    import pikepdf
    import weasyprint

    from rehabplan.export.assets import font_face_css
    from rehabplan.export.html import handout_html
    from rehabplan.export.pdf import render_pdf
    from rehabplan.library import default_library
    from rehabplan.pipeline import ExportOptions
    from rehabplan.planner import build_plan
    from rehabplan.profile_io import read_profile
    from rehabplan.protocol import default_protocol

    profile = read_profile(ROOT / "examples" / f"{args.example}.yaml")
    plan = build_plan(profile, default_library(), default_protocol())
    options = ExportOptions(paper=args.paper)
    html = handout_html(plan, default_library(), options)
    default_html = html.replace(font_face_css(), "")
    render_pdf(html, options)  # warm-up: imports, FontConfiguration, parsed stylesheet

    ours, default, html_ms, ours_cpu, default_cpu = [], [], [], [], []
    pdf = b""
    for _ in range(args.runs):
        t0 = time.perf_counter()
        html = handout_html(plan, default_library(), options)
        t1, c1 = time.perf_counter(), time.process_time()
        pdf = render_pdf(html, options)
        t2, c2 = time.perf_counter(), time.process_time()
        weasyprint.HTML(string=default_html).write_pdf()
        t3, c3 = time.perf_counter(), time.process_time()
        html_ms.append((t1 - t0) * 1000)
        ours.append((t2 - t1) * 1000)
        default.append((t3 - t2) * 1000)
        ours_cpu.append((c2 - c1) * 1000)
        default_cpu.append((c3 - c2) * 1000)

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)
    med_ours, med_default = statistics.median(ours), statistics.median(default)
    print(f"example            {args.example} ({args.paper}, {len(plan.sessions)} sessions)")
    print(f"pages              {pages}")
    print(f"html (Jinja2)      {statistics.median(html_ms):8.1f} ms")
    print(f"handout (ours)     {med_ours:8.1f} ms   {med_ours / pages:6.1f} ms/page")
    print(f"default WeasyPrint {med_default:8.1f} ms   {med_default / pages:6.1f} ms/page")
    print(f"speed-up           {med_default / med_ours:8.2f} ×")
    cpu_ours, cpu_default = statistics.median(ours_cpu), statistics.median(default_cpu)
    print(f"cpu time (ours)    {cpu_ours:8.1f} ms   {cpu_ours / pages:6.1f} ms/page")
    print(f"cpu time (default) {cpu_default:8.1f} ms   {cpu_default / pages:6.1f} ms/page")
    print(f"speed-up (cpu)     {cpu_default / cpu_ours:8.2f} ×")
    print(f"pdf size           {len(pdf) / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
