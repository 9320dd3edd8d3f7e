"""Fixtures for the exporters: real plans from the examples, and a hand-made awkward one.

Rendering a handout takes seconds, so PDFs are rendered once per test session and shared.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rehabplan.models.plan import Plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Commas, semicolons, backslash, quotes, accents and emoji: everything iCalendar escapes
# or folds, and everything a font might not have.
AWKWARD_NAME = "Zoë 🏃‍♀️ O'Brien-Núñez, Jr.; “Ça va” \\ Łódź"
AWKWARD_NOTE = "Slow down; breathe, then go 💪 — naïve café, 5 × 30 s; back\\slash"


def plan_for(example: str, **changes) -> Plan:
    """A real plan from ``examples/<example>.yaml``, built by the real planner."""
    from rehabplan.library import default_library
    from rehabplan.planner import build_plan
    from rehabplan.profile_io import read_profile
    from rehabplan.protocol import default_protocol

    profile = read_profile(EXAMPLES / f"{example}.yaml")
    if changes:
        profile = profile.model_copy(update=changes)
    return build_plan(profile, default_library(), default_protocol())


@pytest.fixture(scope="session")
def berlin_plan() -> Plan:
    """Starts 16 March 2026 in Berlin: crosses the switch to summer time on 29 March."""
    return plan_for("francois-meniscus-berlin")


@pytest.fixture(scope="session")
def new_york_plan() -> Plan:
    """Starts 26 October 2026 in New York: crosses the end of daylight time on 1 November."""
    return plan_for("zoe-mcl-grade2-miles")


@pytest.fixture(scope="session")
def awkward_plan(berlin_plan) -> Plan:
    """The Berlin plan with a name and notes full of characters that need escaping."""
    patient = berlin_plan.patient.model_copy(update={"name": AWKWARD_NAME})
    sessions = []
    for i, s in enumerate(berlin_plan.sessions):
        if i % 5 == 0:
            exercises = [e.model_copy(update={"notes": AWKWARD_NOTE}) for e in s.exercises]
            s = s.model_copy(update={"notes": [*s.notes, AWKWARD_NOTE], "exercises": exercises})
        sessions.append(s)
    return berlin_plan.model_copy(update={"patient": patient, "sessions": sessions})


def options(**kw):
    from rehabplan.pipeline import ExportOptions

    return ExportOptions(**kw)


def tool(name: str) -> str:
    """Path of a system tool, or skip naming the Debian package (as tests/conftest.py does)."""
    import shutil

    path = shutil.which(name)
    if not path:
        pkg = {"pdftotext": "poppler-utils", "pdftoppm": "poppler-utils"}.get(name, name)
        pytest.skip(f"{name} not installed (apt-get install {pkg})")
    return path


def pdf_text(pdf: bytes, tmp: Path) -> str:
    """pdftotext output with whitespace collapsed (line breaks fall anywhere in a PDF)."""
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return " ".join(out.split())


def squash(text: str) -> str:
    return " ".join(text.split())


class Rendered:
    """One handout rendered once: its plan, HTML, PDF bytes and extracted text."""

    def __init__(self, plan: Plan, opts, tmp: Path):
        from rehabplan.export.html import handout_html
        from rehabplan.export.pdf import render_pdf
        from rehabplan.library import default_library

        self.plan = plan
        self.html = handout_html(plan, default_library(), opts)
        self.pdf = render_pdf(self.html, opts)
        self.text = pdf_text(self.pdf, tmp)


@pytest.fixture(scope="session")
def berlin_a4(berlin_plan, tmp_path_factory) -> Rendered:
    return Rendered(
        berlin_plan,
        options(feed_url="https://rehab.example/feeds/Tok3n.ics"),
        tmp_path_factory.mktemp("a4"),
    )


@pytest.fixture(scope="session")
def new_york_letter_ua(new_york_plan, tmp_path_factory) -> Rendered:
    return Rendered(
        new_york_plan,
        options(paper="letter", pdf_variant="pdf/ua-1"),
        tmp_path_factory.mktemp("letter"),
    )


@pytest.fixture(scope="session")
def awkward_a4(awkward_plan, tmp_path_factory) -> Rendered:
    return Rendered(awkward_plan, options(), tmp_path_factory.mktemp("awkward"))


@pytest.fixture(scope="session")
def helpers():
    """The module-level helpers above, for test modules (importlib mode cannot import us)."""
    import types

    return types.SimpleNamespace(
        pdf_text=pdf_text,
        squash=squash,
        tool=tool,
        options=options,
        plan_for=plan_for,
        awkward_name=AWKWARD_NAME,
        awkward_note=AWKWARD_NOTE,
    )
