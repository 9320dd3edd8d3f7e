"""Plan → ``plan.ics`` (RFC 5545, with the RFC 7986 calendar properties subscribers use).

One VEVENT per session, plus an all-day event at the start of each phase, plus one
cancelled VEVENT per event an earlier version published and this one withdraws. Choices,
with the field notes in DESIGN.md in mind:

* Timed sessions carry ``TZID`` with a VTIMEZONE built from the zone's real transitions
  over the plan's span (see ``vtimezone``), so a 06:45 session stays at 06:45 local time on
  both sides of a daylight-saving change, also in clients that read only the embedded zone.
  Review sessions are all-day events: a review is "check these criteria with your
  clinician", a task for the day, not a timed slot.
* Identities come from the plan: UIDs and SEQUENCE numbers are the plan's (per episode,
  raised only when an event changed; see ``planning.identity``), and so are the withdrawn
  events, written with ``STATUS:CANCELLED`` and their raised SEQUENCE: importing a file
  never deletes anything, so a file that drops sessions must cancel them.
* DTSTAMP is when this calendar was generated (``options.generated_at``, taken by the
  caller: the CLI's run, the server's plan version). Everything else depends only on the
  plan and the options, so two files of the same plan differ in their DTSTAMP lines only.
* Text is escaped as RFC 5545 TEXT everywhere, including NAME and X-WR-CALNAME, which
  icalendar would otherwise write verbatim.
* Privacy by default: SUMMARY and DESCRIPTION carry neither the patient's name nor the
  condition unless ``options.ics_include_details`` is set.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vText

from rehabplan.export.text import CONDITION_SHORT, KIND_LABEL, dose_text, intervals_text
from rehabplan.export.vtimezone import vtimezone
from rehabplan.models.plan import CancelledEvent, Plan, Session
from rehabplan.planning.identity import published_phase
from rehabplan.vocab import SessionKind

PRODID = "-//rehabplan//Knee rehab plan 1.0//EN"
REFRESH = dt.timedelta(hours=12)
CALENDAR_NAME = "Knee rehab plan"
PHASE_SUMMARY = "Knee rehab: new phase"
WITHDRAWN_TEXT = (
    "Cancelled: this is no longer part of your plan (the plan was changed or paused). "
    "See the calendar for what to do instead."
)

_SUMMARY = {
    SessionKind.STRENGTH: "Knee rehab: strength session",
    SessionKind.MOBILITY: "Knee rehab: mobility session",
    SessionKind.CROSS_TRAINING: "Knee rehab: cross-training",
    SessionKind.RUN_WALK: "Knee rehab: run/walk",
    SessionKind.RECOVERY: "Knee rehab: recovery session",
    SessionKind.REVIEW: "Knee rehab: progress review",
}


def summary(session: Session) -> str:
    """A neutral event title: says what to do, never who or why."""
    if session.calendar_title:
        return session.calendar_title
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


def _details_prefix(plan: Plan) -> str:
    who = plan.patient.name or plan.patient_id
    return f"{who} ({CONDITION_SHORT[plan.patient.condition]}): "


def _local_span(
    day: dt.date, start_time: str, duration_min: int, zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a timed session as aware local times.

    The end is the start plus the duration in elapsed time, so a 01:30 session on the
    night the clocks go back lasts its 70 minutes, not 130. A start the clock skips (02:30
    as clocks go forward) is read as RFC 5545 §3.3.5 says, i.e. 03:30; the planner already
    writes such sessions at 03:30, this only keeps the calendar right for older plans.
    """
    hh, mm = (int(x) for x in start_time.split(":"))
    naive = dt.datetime.combine(day, dt.time(hh, mm))
    start = naive.replace(tzinfo=zone).astimezone(dt.UTC)
    end = start + dt.timedelta(minutes=max(duration_min, 1))
    return start.astimezone(zone), end.astimezone(zone)


def _repeated_wall_time(moment: dt.datetime) -> bool:
    """True for the second pass through an hour the clocks repeat (fold=1 and ambiguous)."""
    return bool(moment.fold) and moment.utcoffset() != moment.replace(fold=0).utcoffset()


def _add_times(
    ev: Event, day: dt.date, start_time: str | None, minutes: int, plan: Plan, zone: ZoneInfo
) -> None:
    if start_time is None:
        ev.add("dtstart", day)
        ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("transp", "TRANSPARENT")
        return
    start, end = _local_span(day, start_time, minutes, zone)
    ev.add("dtstart", start.replace(tzinfo=None), parameters={"TZID": plan.timezone})
    if _repeated_wall_time(end):
        ev.add("dtend", end.astimezone(dt.UTC))  # local 01:40 would mean the first one
    else:
        ev.add("dtend", end.replace(tzinfo=None), parameters={"TZID": plan.timezone})


def generated_stamp(moment: dt.datetime | None) -> dt.datetime:
    """DTSTAMP for a calendar made at ``moment`` (None: now), in UTC, whole seconds."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _span(plan: Plan) -> tuple[dt.date, dt.date]:
    """First and last day any event of this calendar falls on (withdrawn ones included)."""
    days = [plan.start_date, plan.end_date, *(c.date for c in plan.cancelled)]
    days += [s.date for s in plan.sessions]
    return min(days), max(days)


def plan_to_ics(plan: Plan, options) -> bytes:
    """The calendar for ``plan`` (``options``: a ``pipeline.ExportOptions``)."""
    details = bool(options.ics_include_details)
    alarm = options.ics_alarm_minutes
    stamp = generated_stamp(getattr(options, "generated_at", None))
    phase_titles = {p.key: p.title for p in plan.phases}
    prefix = _details_prefix(plan) if details else ""
    zone = ZoneInfo(plan.timezone)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = f"{CALENDAR_NAME} — {plan.patient.name or plan.patient_id}" if details else CALENDAR_NAME
    cal.add("name", vText(name))
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", vText(plan.timezone))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    cal.add_component(vtimezone(plan.timezone, *_span(plan)))

    for phase in plan.phases:
        uid, sequence = published_phase(plan, phase)
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", stamp)
        ev.add("sequence", sequence)
        ev.add("dtstart", phase.start)
        ev.add("dtend", phase.start + dt.timedelta(days=1))
        ev.add("summary", f"{prefix}{PHASE_SUMMARY} — {phase.title}")
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
        timed = session.kind is not SessionKind.REVIEW
        start_time = session.start_time if timed else None
        _add_times(ev, session.date, start_time, session.duration_min, plan, zone)
        ev.add("summary", prefix + summary(session))
        text = description(session, options.checkin_url)
        if details:
            text = f"{plan.patient.condition_plain}\n\n{text}"
        ev.add("description", text)
        ev.add("categories", [KIND_LABEL[session.kind], phase_titles.get(session.phase, "")])
        if alarm is not None and timed:
            reminder = Alarm()
            reminder.add("action", "DISPLAY")
            reminder.add("description", summary(session))
            reminder.add("trigger", dt.timedelta(minutes=-alarm))
            ev.add_component(reminder)
        cal.add_component(ev)

    for gone in plan.cancelled:
        cal.add_component(_withdrawn_event(gone, plan, zone, stamp, prefix))
    return cal.to_ical()


def _withdrawn_event(
    gone: CancelledEvent, plan: Plan, zone: ZoneInfo, stamp: dt.datetime, prefix: str
) -> Event:
    """A cancelled event: same UID and time as it was published with, SEQUENCE one up."""
    ev = Event()
    ev.add("uid", gone.uid)
    ev.add("dtstamp", stamp)
    ev.add("sequence", gone.sequence)
    ev.add("status", "CANCELLED")
    _add_times(ev, gone.date, gone.start_time, gone.duration_min, plan, zone)
    title = PHASE_SUMMARY if gone.kind is None else _SUMMARY.get(gone.kind, "Knee rehab session")
    ev.add("summary", prefix + title)
    ev.add("description", WITHDRAWN_TEXT)
    if gone.start_time is not None:
        ev.add("transp", "TRANSPARENT")  # all-day events have it already
    return ev
