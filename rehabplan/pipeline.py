"""One patient from profile to files: screen, plan, export. Used by the CLI, batch and server.

This is the only place that combines the pure core (screening, planner) with output; keeping
it in one function means a handout made by ``rehabplan plan``, by a batch worker and by the
web app is the same handout.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from rehabplan import atomic, checkin_log
from rehabplan.errors import InputError, OutputError, Problem
from rehabplan.library import Library, default_library
from rehabplan.models.plan import ExportSettings, Plan, Referral
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import Protocol
from rehabplan.protocol import default_protocol

FORMATS = ("json", "pdf", "ics", "html")
DEFAULT_FORMATS = ("json", "pdf", "ics")


@dataclass(frozen=True)
class ExportOptions:
    """How the outputs look; none of it changes the plan itself."""

    paper: Literal["a4", "letter"] = "a4"
    pdf_variant: str | None = None
    """WeasyPrint PDF variant, e.g. ``pdf/ua-1`` for tagged, accessible output."""
    clinic_file: Path | None = None
    """Optional YAML with clinic name, contact lines and logo for the handout cover."""
    ics_include_details: bool = False
    """Put the patient's name and diagnosis in calendar events (off: privacy by default)."""
    ics_alarm_minutes: int | None = 30
    """VALARM lead time; None switches reminders off."""
    feed_url: str | None = None
    """Subscription URL, when the plan is saved on a server (shown on the handout as a QR)."""
    checkin_url: str | None = None
    generated_at: dt.datetime | None = None
    """When the outputs are made (the calendar's DTSTAMP); taken by the caller, None: now."""


def settings_of(options: ExportOptions) -> ExportSettings:
    """What is recorded with the plan of ``options`` (see ``Plan.export``)."""
    return ExportSettings(
        paper=options.paper,
        pdf_variant=options.pdf_variant,
        clinic_file=str(options.clinic_file) if options.clinic_file else None,
        ics_include_details=options.ics_include_details,
        ics_alarm_minutes=options.ics_alarm_minutes,
    )


def check_export_options(options: ExportOptions) -> None:
    """Raise InputError for a clinic file or PDF variant that cannot be used."""
    if options.clinic_file is not None:
        from rehabplan.export.clinic import load_clinic

        load_clinic(options.clinic_file)
    if options.pdf_variant is not None:
        from rehabplan.export.pdf import check_variant

        check_variant(options.pdf_variant)


@dataclass
class Outcome:
    status: Literal["planned", "referred"]
    plan: Plan | None = None
    referral: Referral | None = None
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Things worth a look that did not stop the run (letters the handout font lacks)."""
    kept_checkins: int = 0
    """Check-ins found in the folder whose progress the new plan keeps."""
    replanned_from: dt.date | None = None
    """First day re-planned when check-ins were kept (earlier sessions stay as they were)."""


def parse_formats(text: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise InputError(
            [
                Problem(
                    "--format",
                    "",
                    f"unknown format(s) {', '.join(unknown) or '(none)'}; "
                    f"choose from {', '.join(FORMATS)}",
                )
            ]
        )
    return wanted


def read_previous(out_dir: Path) -> Plan | None:
    """The plan already in ``out_dir``, if any, so a re-plan keeps UIDs and raises SEQUENCE."""
    path = Path(out_dir) / "plan.json"
    if not path.is_file():
        return None
    try:
        return Plan.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError):
        return None  # an unreadable old plan must not block a new one


def run(
    profile: Profile,
    out_dir: Path,
    *,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    start: dt.date | None = None,
    options: ExportOptions | None = None,
    library: Library | None = None,
    protocol: Protocol | None = None,
    new_episode: bool = False,
    today: dt.date | None = None,
) -> Outcome:
    """Screen, plan and export one patient into ``out_dir``; every file written atomically.

    A folder that already holds this patient's running plan is re-planned as the same
    episode: UIDs stay, withdrawn sessions are cancelled, and check-ins logged there keep
    their progress (the plan is re-made from ``today`` with them, as ``rehabplan checkin``
    does). A stopped plan, or ``new_episode``, starts a new episode (new UIDs; the old
    episode's events from the new start on are cancelled; its check-ins are set aside).
    ``today`` is the runner's local date (read from the clock here when not given).
    """
    from rehabplan.planner import build_plan
    from rehabplan.screening import referral_for, screen
    from rehabplan.tokens import new_episode_key

    options = options or ExportOptions()
    if options.generated_at is None:
        options = replace(options, generated_at=dt.datetime.now(dt.UTC))
    library = library or default_library()
    protocol = protocol or default_protocol()
    out_dir = Path(out_dir)
    found = previous = read_previous(out_dir)
    if previous is not None and previous.patient_id != profile.patient_id:
        previous = None  # another runner's folder: nothing of that plan carries over
    log = checkin_log.path_in(out_dir)
    history = checkin_log.read(log)
    stopped = (out_dir / "referral.json").is_file() or bool(history and history[-1].red_flags)
    continuing = previous is not None and not stopped and not new_episode
    if start is None and profile.start_date is None and continuing:
        start = previous.start_date  # re-running a plan: same episode, same first day
    if start is not None:
        profile = profile.model_copy(update={"start_date": start})
    if profile.start_date is None:
        raise InputError([Problem("profile", "start_date", "is required (or pass --start)")])

    result = screen(profile)
    if result.refer:
        referral = referral_for(profile, result)
        if continuing and previous is not None and "ics" in formats:
            # A calendar that imported the plan must lose the sessions ahead: write the
            # paused calendar (cancellations and one "programme paused" event) with it.
            from rehabplan.progression import stopped_plan

            day = today or dt.datetime.now(profile.zone).date()
            paused = files_plan(stopped_plan(previous, day), options)
            files = write_referral(referral, out_dir, formats, options, paused=paused)
        else:
            files = write_referral(referral, out_dir, formats, options)
        return Outcome("referred", referral=referral, files=files)

    extra: dict[Path, bytes] = {}
    superseded: tuple[Path, ...] = ()
    replanned_from = None
    if continuing and history:
        assert previous is not None
        _check_same_start(profile, previous, log, len(history))
        plan, replanned_from = _replay(profile, library, protocol, previous, history, today)
    else:
        key = previous.episode_key if continuing and previous is not None else None
        plan = build_plan(
            profile, library, protocol, previous=previous, episode_key=key or new_episode_key()
        )
        if history:
            # The check-ins belong to an episode that ended: keep them, out of the way.
            extra[_aside(out_dir, found)] = checkin_log.encode(history)
            superseded = (log,)
    files = write_plan(plan, out_dir, formats, options, library, extra=extra, remove=superseded)
    warnings = font_warnings(profile) if {"pdf", "html"} & set(formats) else []
    warnings += plan_warnings(plan)
    return Outcome(
        "planned",
        plan=files_plan(plan, options),
        files=files,
        warnings=warnings,
        kept_checkins=len(history) if replanned_from else 0,
        replanned_from=replanned_from,
    )


def _check_same_start(profile: Profile, previous: Plan, log: Path, count: int) -> None:
    """Refuse a new start date in a folder whose plan has progress logged (exit 2)."""
    if profile.start_date == previous.start_date:
        return
    raise InputError(
        [
            Problem(
                str(log),
                "",
                f"holds {count} check-in(s) for the plan that started on "
                f"{previous.start_date}; a plan starting on {profile.start_date} would "
                "throw that progress away. Keep the start date to re-plan from today with "
                "the check-ins, or pass --new-episode to start a new plan here (the "
                "check-ins are kept aside), or write the new plan to another folder",
            )
        ]
    )


def _replay(
    profile: Profile,
    library: Library,
    protocol: Protocol,
    previous: Plan,
    history: list,
    today: dt.date | None,
) -> tuple[Plan, dt.date]:
    """The plan re-made from today with the folder's check-ins (what ``checkin`` does)."""
    from rehabplan.progression import replan

    today = today or dt.datetime.now(profile.zone).date()
    since = max(today, max(c.date for c in history) + dt.timedelta(days=1))
    result = replan(profile, library, protocol, previous, history, since)
    assert result.plan is not None  # a stop is handled as a stopped folder before this
    return result.plan, since


def _aside(out_dir: Path, ended: Plan | None) -> Path:
    """Where the check-ins of an episode that ended are kept (never over an earlier one)."""
    stem = f"checkins-{ended.plan_id}" if ended is not None else "checkins-earlier"
    path, n = out_dir / f"{stem}.jsonl", 1
    while path.exists():
        n += 1
        path = out_dir / f"{stem}-{n}.jsonl"
    return path


def files_plan(plan: Plan, options: ExportOptions) -> Plan:
    """``plan`` as written to ``plan.json``: with the settings its outputs were made with."""
    return plan.model_copy(update={"export": settings_of(options)})


def plan_warnings(plan: Plan) -> list[str]:
    """The plan's important notices and cautions, for the terminal as well as the handout."""
    return [
        f"{n.title.lower()}: {' '.join(n.text.split())}"
        for n in plan.notices
        if n.level in ("important", "caution")
    ]


def font_warnings(profile: Profile) -> list[str]:
    """Name or note characters the handout's font cannot print (see ``missing_glyphs``)."""
    from rehabplan.export.assets import missing_glyphs

    out = []
    for field_name in ("name", "clinician_note"):
        missing = missing_glyphs(getattr(profile, field_name) or "")
        if missing:
            out.append(
                f"{field_name}: the handout font has no letters for {missing!r}; they print "
                "with a system font where one has them, otherwise they are left blank "
                "(check the PDF)"
            )
    return out


# Every file a plan or a referral may leave in its folder. Writing one kind removes the
# other: a referral must never sit beside a plan a feed or a printer could still pick up.
PLAN_FILES = ("plan.json", "plan.ics", "handout.pdf", "handout.html")
REFERRAL_FILES = ("referral.json", "referral.pdf", "referral.html")


def write_referral(
    referral: Referral,
    out_dir: Path,
    formats: tuple[str, ...],
    options: ExportOptions,
    *,
    paused: Plan | None = None,
) -> list[Path]:
    """Write the referral and remove any plan left in ``out_dir`` (see :data:`PLAN_FILES`).

    ``paused``: the stopped plan of a runner who had one here; its ``plan.ics`` (sessions
    ahead cancelled) is written so that re-importing it empties the runner's calendar.
    """
    files = referral_files(referral, out_dir, formats, options)
    if paused is not None:
        from rehabplan.export.ics import plan_to_ics

        files[out_dir / "plan.ics"] = plan_to_ics(paused, options)
    gone = tuple(name for name in PLAN_FILES if out_dir / name not in files)
    return _commit(files, out_dir, supersedes=gone)


def referral_files(
    referral: Referral, out_dir: Path, formats: tuple[str, ...], options: ExportOptions
) -> dict[Path, bytes]:
    """``referral.json`` always, plus the referral letter as HTML/PDF when those are asked for."""
    files = {out_dir / "referral.json": referral.to_json().encode()}
    if "pdf" in formats or "html" in formats:
        from rehabplan.export.html import referral_html

        files |= _document(out_dir, "referral", referral_html(referral, options), formats, options)
    return files


def write_stopped(
    plan: Plan,
    referral: Referral,
    out_dir: Path,
    formats: tuple[str, ...],
    options: ExportOptions,
) -> list[Path]:
    """A plan stopped by a warning sign: the referral, plus plan.json and plan.ics of the
    stopped plan (past sessions and one "contact your clinician" event) so that a calendar
    re-importing plan.ics loses the sessions ahead. The old handout goes: it is superseded.
    """
    files = referral_files(referral, out_dir, formats, options)
    plan = files_plan(plan, options)
    if "ics" in formats:
        from rehabplan.export.ics import plan_to_ics

        files[out_dir / "plan.ics"] = plan_to_ics(plan, options)
    files[out_dir / "plan.json"] = plan.to_json().encode()
    return _commit(files, out_dir, supersedes=("handout.pdf", "handout.html"))


def _document(
    out_dir: Path, stem: str, html: str, formats: tuple[str, ...], options: ExportOptions
) -> dict[Path, bytes]:
    """``<stem>.html`` and/or ``<stem>.pdf`` from one HTML string (the PDF is that HTML)."""
    files: dict[Path, bytes] = {}
    if "html" in formats:
        files[out_dir / f"{stem}.html"] = html.encode()
    if "pdf" in formats:
        from rehabplan.export.pdf import render_pdf

        files[out_dir / f"{stem}.pdf"] = render_pdf(html, options)
    return files


def write_plan(
    plan: Plan,
    out_dir: Path,
    formats: tuple[str, ...],
    options: ExportOptions,
    library: Library,
    *,
    extra: dict[Path, bytes] | None = None,
    remove: tuple[Path, ...] = (),
) -> list[Path]:
    """Render every asked-for output in memory, then write them all or none.

    ``extra`` files are written in the same step and ``remove`` deleted after it. The
    plan is recorded with ``options`` (``Plan.export``), so later re-plans reuse them.
    """
    plan = files_plan(plan, options)
    files: dict[Path, bytes] = dict(extra or {})
    if "pdf" in formats or "html" in formats:
        from rehabplan.export.html import handout_html

        files |= _document(out_dir, "handout", handout_html(plan, library, options),
                           formats, options)  # fmt: skip
    if "ics" in formats:
        from rehabplan.export.ics import plan_to_ics

        files[out_dir / "plan.ics"] = plan_to_ics(plan, options)
    if "json" in formats:
        # Last in the dict, so renamed last: plan.json marks a complete output for batches.
        files[out_dir / "plan.json"] = plan.to_json().encode()
    return _commit(files, out_dir, supersedes=REFERRAL_FILES, remove=remove)


def _commit(
    files: dict[Path, bytes],
    out_dir: Path,
    supersedes: tuple[str, ...],
    remove: tuple[Path, ...] = (),
) -> list[Path]:
    """Write ``files`` in one step; an unwritable folder becomes an :class:`OutputError`."""
    try:
        atomic.write_all(files, remove=(*(out_dir / name for name in supersedes), *remove))
    except OSError as e:
        raise OutputError(out_dir, e) from None
    return list(files)
