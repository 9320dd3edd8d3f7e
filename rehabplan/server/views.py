"""Pure helpers that turn plans and check-ins into what the pages show.

The pain chart is an inline SVG drawn here on the server: no JavaScript, crisp at any zoom,
and it comes with a text description and the check-in table as its text alternative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Any

import segno

from rehabplan.models.plan import Plan, Session

KIND_WORDS = {
    "strength": "Strength",
    "mobility": "Mobility",
    "cross_training": "Cross-training",
    "run_walk": "Run/walk",
    "recovery": "Recovery",
    "review": "Review",
}
DECISION_WORDS = {
    "progress": "Progress",
    "hold": "Repeat the step",
    "step_back": "Step back",
    "stop": "Stopped (warning sign)",
    "created": "Plan created",
    "regenerated": "Re-generated",
}


def qr_svg(url: str, title: str) -> str:
    """The link as an inline SVG QR code (with a <title> for screen readers)."""
    return segno.make(url, error="m").svg_inline(scale=4, title=title, border=4, light="#fff")


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_plan: bool
    sessions: list[Session]


def calendar_weeks(plan: Plan) -> list[list[Day]]:
    """Monday-to-Sunday rows covering the plan, each day with its sessions."""
    by_date: dict[dt.date, list[Session]] = {}
    for session in plan.sessions:
        by_date.setdefault(session.date, []).append(session)
    first = plan.start_date - dt.timedelta(days=plan.start_date.weekday())
    last = max([plan.end_date, *(s.date for s in plan.sessions)])
    weeks: list[list[Day]] = []
    day = first
    while day <= last:
        week = []
        for _ in range(7):
            week.append(Day(day, plan.start_date <= day <= last, by_date.get(day, [])))
            day += dt.timedelta(days=1)
        weeks.append(week)
    return weeks


def pain_chart(checkins: list[dict[str, Any]], width: int = 640, height: int = 240) -> str | None:
    """Pain during and next morning over time as an accessible inline SVG (None if no data)."""
    points = [c for c in checkins if c.get("pain_during") is not None
              or c.get("pain_next_morning") is not None]  # fmt: skip
    if not points:
        return None
    dates = [dt.date.fromisoformat(str(c["date"])) for c in points]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    left, right, top, bottom = 36, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: dt.date) -> float:
        if first == last:
            return left + plot_w / 2
        return left + plot_w * (day - first).days / span

    def y(value: int) -> float:
        return top + plot_h * (1 - value / 10)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Knee pain over time (0 to 10)</title>',
        f'<desc id="chart-desc">{escape(_describe(points))}</desc>',
    ]
    for value in (0, 2, 4, 6, 8, 10):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'class="grid"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}">{first:%d %b}</text>'
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end">{last:%d %b}</text>'
    )
    for key, css, label in (
        ("pain_during", "during", "during"),
        ("pain_next_morning", "morning", "next morning"),
    ):
        series = [(x(d), y(c[key])) for d, c in zip(dates, points, strict=True)
                  if c.get(key) is not None]  # fmt: skip
        if not series:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in series)
        parts.append(f'<polyline class="line {css}" points="{path}"><title>Pain {label}</title>'
                     "</polyline>")  # fmt: skip
        for px, py in series:
            parts.append(f'<circle class="dot {css}" cx="{px:.1f}" cy="{py:.1f}" r="4"/>')
    parts.append("</svg>")
    return "".join(parts)


def _describe(points: list[dict[str, Any]]) -> str:
    def fmt(c: dict[str, Any]) -> str:
        during = c.get("pain_during")
        morning = c.get("pain_next_morning")
        bits = [f"{c['date']}:"]
        bits.append(f"during {during}" if during is not None else "during not given")
        bits.append(f"next morning {morning}" if morning is not None else "next morning not given")
        return " ".join(bits)

    return "Pain scores by session date. " + "; ".join(fmt(c) for c in points) + "."
