"""Plan → handout HTML, Referral → referral letter HTML (Jinja2 templates in ``templates/``).

The HTML returned here is exactly what WeasyPrint renders, and it stands on its own: the
stylesheet is inlined, and the font and images are ``data:`` URIs. One Jinja2 environment
per process compiles each template once.
"""

from __future__ import annotations

from functools import cache

import jinja2

from rehabplan.export import view
from rehabplan.export.assets import qr_svg_uri, stylesheet
from rehabplan.export.clinic import Clinic, load_clinic
from rehabplan.export.text import CONDITION_SHORT, day_text, side_text
from rehabplan.library import Library
from rehabplan.models.plan import Plan, Referral
from rehabplan.paths import templates_dir


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(view.FILTERS)
    return env


def _clinic(options) -> Clinic | None:
    return load_clinic(options.clinic_file) if options.clinic_file else None


def _lang(language: str) -> str:
    """The language the handout is written in, for screen readers and PDF/UA.

    Handouts are written in English for now, so a German speaker's handout is still
    declared ``en`` (a screen reader would otherwise read English words with German
    pronunciation); an English variant the patient asked for (``en-US``) is kept.
    """
    return language if language.lower().startswith("en") else "en"


def handout_html(plan: Plan, library: Library, options) -> str:
    """The printable handout for ``plan`` (``options``: a ``pipeline.ExportOptions``)."""
    care, other_advice = view.home_care(plan)
    weeks = view.calendar_weeks(plan)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "lang": _lang(plan.patient.language),
        "css": stylesheet(options.paper),
        "clinic": _clinic(options),
        "knee": side_text(plan.patient.side.value),
        "condition_short": CONDITION_SHORT[plan.patient.condition],
        "start": day_text(plan.start_date),
        "end": day_text(plan.end_date),
        "weekdays": view.WEEKDAYS,
        "weeks": weeks,
        "legend": view.session_legend(plan),
        "cards": view.exercise_cards(plan, library),
        "strict_weeks": view.strict_weeks(plan),
        "diary_pages": view.diary_pages(view.diary_rows(plan), options.paper),
        "home_care": care,
        "other_advice": other_advice,
        "reviews": view.reviews(plan),
        "cautions": view.new_cautions(plan),
        "first_run": view.first_run_walk(plan),
        "units": plan.patient.units.value,
        "feed_url": options.feed_url,
        "qr_uri": qr_svg_uri(options.feed_url) if options.feed_url else None,
        "webcal_url": _webcal(options.feed_url) if options.feed_url else None,
        "checkin_url": options.checkin_url,
    }
    return environment().get_template("handout.html.j2").render(context)


def referral_html(referral: Referral, options) -> str:
    """The referral letter written instead of a plan when red flags are found."""
    context = {
        "referral": referral,
        "lang": "en",
        "css": stylesheet(options.paper),
        "clinic": _clinic(options),
        "date": day_text(referral.date) if referral.date else None,
    }
    return environment().get_template("referral.html.j2").render(context)


def _webcal(url: str) -> str:
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme) :]
    return url
