"""Plan → ``plan.ics`` (RFC 5545, with the RFC 7986 calendar properties subscribers use).

One VEVENT per session, plus an all-day event at the start of each phase. Choices, with
the field notes in DESIGN.md in mind:

* Timed sessions carry ``TZID`` with a compact RRULE-style VTIMEZONE (see ``vtimezone``),
  so a 06:45 session stays at 06:45 local time on both sides of a daylight-saving change
  and Outlook is not fed a long RDATE list. Review sessions are all-day events: a review
  is "check these criteria with your clinician", a task for the day, not a timed slot.
* Output bytes depend only on the plan and options: UIDs are the plan's stable session
  UIDs, DTSTAMP is the plan's start date at 00:00 UTC (never "now"), SEQUENCE is the
  session's ``sequence`` (raised by the planner only when a session changed).
* Privacy by default: SUMMARY and DESCRIPTION carry neither the patient's name nor the
  condition unless ``options.ics_include_details`` is set.
* Phase-start events have UIDs derived from the patient and the phase, and take the
  highest SEQUENCE among that phase's sessions, so a re-plan that moves a phase (and so
  its sessions) also updates the phase marker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from rehabplan.export.text import CONDITION_SHORT, KIND_LABEL, dose_text, intervals_text
from rehabplan.export.vtimezone import vtimezone
from rehabplan.models.plan import Plan, Session
from rehabplan.vocab import SessionKind

PRODID = "-//rehabplan//Knee rehab plan 1.0//EN"
REFRESH = dt.timedelta(hours=12)
CALENDAR_NAME = "Knee rehab plan"

_SUMMARY = {
    SessionKind.STRENGTH: "Knee rehab: strength session",
    SessionKind.MOBILITY: "Knee rehab: mobility session",
    SessionKind.CROSS_TRAINING: "Knee rehab: cross-training",
    SessionKind.RECOVERY: "Knee rehab: recovery session",
    SessionKind.REVIEW: "Knee rehab: progress review",
}


def summary(session: Session) -> str:
    """A neutral event title: says what to do, never who or why."""
    rw = session.run_walk
    if session.kind is SessionKind.RUN_WALK and rw is not None:
        if rw.walk_min == 0:
            return f"Easy run {rw.run_min * max(rw.repeats, 1)} min — stage {rw.stage}"
        return f"Run/walk — stage {rw.stage}"
    text = _SUMMARY.get(session.kind, "Knee rehab session")
    if session.kind is SessionKind.CROSS_TRAINING and session.exercises:
        text += f" ({session.exercises[0].name})"
    return text


def description(session: Session, checkin_url: str | None) -> str:
    lines: list[str] = []
    if session.run_walk is not None:
        lines.append(intervals_text(session.run_walk))
    for ex in session.exercises:
        line = f"• {ex.name}: {dose_text(ex)}"
        if ex.notes:
            line += f". {ex.notes}"
        lines.append(line)
    if session.notes:
        if lines:
            lines.append("")
        lines.extend(session.notes)
    if checkin_url:
        lines += ["", f"After the session, tell your clinician how it went: {checkin_url}"]
    return "\n".join(lines)


def _stable_uid(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    return f"{digest}@rehabplan"


def _details_prefix(plan: Plan) -> str:
    who = plan.patient.name or plan.patient_id
    return f"{who} ({CONDITION_SHORT[plan.patient.condition]}): "


def _local_span(session: Session, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a timed session as aware local times.

    The end is the start plus the duration in elapsed time, so a 01:30 session on the
    night the clocks go back lasts its 70 minutes, not 130. A start the clock skips (02:30
    as clocks go forward) is read as RFC 5545 §3.3.5 says, i.e. 03:30; the planner already
    writes such sessions at 03:30, this only keeps the calendar right for older plans.
    """
    hh, mm = (int(x) for x in session.start_time.split(":"))
    naive = dt.datetime.combine(session.date, dt.time(hh, mm))
    start = naive.replace(tzinfo=zone).astimezone(dt.UTC)
    end = start + dt.timedelta(minutes=max(session.duration_min, 1))
    return start.astimezone(zone), end.astimezone(zone)


def _repeated_wall_time(moment: dt.datetime) -> bool:
    """True for the second pass through an hour the clocks repeat (fold=1 and ambiguous)."""
    return bool(moment.fold) and moment.utcoffset() != moment.replace(fold=0).utcoffset()


def plan_to_ics(plan: Plan, options) -> bytes:
    """The calendar for ``plan`` (``options``: a ``pipeline.ExportOptions``)."""
    details = bool(options.ics_include_details)
    alarm = options.ics_alarm_minutes
    stamp = dt.datetime.combine(plan.start_date, dt.time(0, 0), tzinfo=dt.UTC)
    phase_titles = {p.key: p.title for p in plan.phases}
    prefix = _details_prefix(plan) if details else ""
    zone = ZoneInfo(plan.timezone)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = f"{CALENDAR_NAME} — {plan.patient.name or plan.patient_id}" if details else CALENDAR_NAME
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", plan.timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    cal.add_component(vtimezone(plan.timezone, plan.start_date, plan.end_date))

    for phase in plan.phases:
        in_phase = [s.sequence for s in plan.sessions if s.phase is phase.key]
        ev = Event()
        ev.add("uid", _stable_uid(plan.patient_id, "phase-start", phase.key.value))
        ev.add("dtstamp", stamp)
        ev.add("sequence", max(in_phase, default=0))
        ev.add("dtstart", phase.start)
        ev.add("dtend", phase.start + dt.timedelta(days=1))
        ev.add("summary", f"{prefix}Knee rehab: new phase — {phase.title}")
        lines = [f"{phase.title}: {phase.start:%d %b} to {phase.end:%d %b %Y}.", "", "Goals:"]
        lines += [f"• {g}" for g in phase.goals]
        ev.add("description", "\n".join(lines))
        ev.add("categories", ["Phase start", phase.title])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)

    for session in plan.sessions:
        ev = Event()
        ev.add("uid", session.uid)
        ev.add("dtstamp", stamp)
        ev.add("sequence", session.sequence)
        if session.kind is SessionKind.REVIEW:
            ev.add("dtstart", session.date)
            ev.add("dtend", session.date + dt.timedelta(days=1))
            ev.add("transp", "TRANSPARENT")
        else:
            start, end = _local_span(session, zone)
            ev.add("dtstart", start.replace(tzinfo=None), parameters={"TZID": plan.timezone})
            if _repeated_wall_time(end):
                ev.add("dtend", end.astimezone(dt.UTC))  # local 01:40 would mean the first one
            else:
                ev.add("dtend", end.replace(tzinfo=None), parameters={"TZID": plan.timezone})
        ev.add("summary", prefix + summary(session))
        text = description(session, options.checkin_url)
        if details:
            text = f"{plan.patient.condition_plain}\n\n{text}"
        ev.add("description", text)
        ev.add("categories", [KIND_LABEL[session.kind], phase_titles.get(session.phase, "")])
        if alarm is not None and session.kind is not SessionKind.REVIEW:
            reminder = Alarm()
            reminder.add("action", "DISPLAY")
            reminder.add("description", summary(session))
            reminder.add("trigger", dt.timedelta(minutes=-alarm))
            ev.add_component(reminder)
        cal.add_component(ev)
    return cal.to_ical()
