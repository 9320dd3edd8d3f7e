"""Exporters: a finished Plan (or Referral) formatted as HTML/PDF handout and iCalendar.

Exporters only format. Every date, dose and sentence of clinical advice comes from the
plan; the one piece of fixed product copy is the "stop and contact your clinician" list
in the handout template, which restates the screening red flags in plain words.

Modules: ``text`` (small formatting helpers shared by both formats), ``view`` (the
handout's view model), ``clinic`` (optional clinic config), ``assets`` (font, CSS and
image data read once per process), ``html``, ``pdf`` and ``ics``.
"""
