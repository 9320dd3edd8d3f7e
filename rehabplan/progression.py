"""Check-ins and the pain-monitoring model: progress, hold, step back or stop.

The rule table is the clinical reference's (§2, after Silbernagel et al. 2007):

* pain during ≤ 3/10 and back to baseline by the next morning → progress one stage / dose;
* pain during 4–5/10, or next-morning pain slightly raised → repeat the stage;
* pain during > 5/10, next-morning pain clearly above baseline, new swelling, or a second
  repeat in a row → step back one stage and rest a day;
* any red flag → stop and refer.

Ligament sprains use the stricter ≤ 2/10 limit in their first weeks (``protocol.pain``).
"Slightly raised" means one point above the runner's usual resting pain: a change smaller than
the ~2-point minimal clinically important difference of the NPRS. Two points or more counts as
"above baseline". A skipped session is simply repeated.

``replan`` turns the check-ins into a new starting state and lets the planner continue the
plan from ``today`` with exactly the same rules as the first plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from rehabplan.library import Library
from rehabplan.models.plan import Plan, Referral, Session
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import Protocol
from rehabplan.planner import Resume, continue_plan
from rehabplan.planning.context import Context
from rehabplan.planning.identity import Episode, published_phase, withdrawn
from rehabplan.screening import Screening, referral_for
from rehabplan.validation import NPRS, Strict, without_control_characters
from rehabplan.vocab import RedFlag, SessionKind

DAY = dt.timedelta(days=1)


class CheckIn(Strict):
    """How one session went, as the runner reports it."""

    session_uid: str | None = None
    date: dt.date
    status: Literal["done", "skipped"]
    pain_during: NPRS | None = None
    pain_next_morning: NPRS | None = None
    swelling: bool = False
    """New or increased swelling after the session."""
    red_flags: list[RedFlag] = Field(default_factory=list)
    note: (
        Annotated[str, Field(max_length=1000), BeforeValidator(without_control_characters)] | None
    ) = None


class Decision(StrEnum):
    PROGRESS = "progress"
    HOLD = "hold"
    STEP_BACK = "step_back"
    STOP = "stop"


def decide(
    checkin: CheckIn,
    protocol: Protocol,
    *,
    baseline: int = 0,
    strict: bool = False,
    holds_in_a_row: int = 0,
    irritable: bool = False,
) -> Decision:
    """Apply the pain-monitoring rule to one check-in.

    ``baseline`` is the runner's usual pain at rest; ``strict`` selects the lower limit for
    ligament sprains; ``holds_in_a_row`` counts the pain-driven repeats just before this one.
    """
    pain = protocol.pain
    if checkin.red_flags:
        return Decision.STOP
    if checkin.status == "skipped" or unanswered(checkin):
        return Decision.HOLD  # nothing to judge the knee by: repeat, never progress
    during = checkin.pain_during or 0
    morning = checkin.pain_next_morning
    rise = 0 if morning is None else morning - baseline
    limit = pain.strict_progress_max_during if strict else pain.progress_max_during
    hold = pain.hold_max_during
    if irritable:  # measured from the knee's usual resting pain (the plan's pain rule)
        limit, hold = max(limit, baseline + 1), max(hold, baseline + 2)
    if during > hold or checkin.swelling or rise >= 2:
        return Decision.STEP_BACK
    if during <= limit and rise <= 0:
        return Decision.PROGRESS
    if holds_in_a_row + 1 >= pain.repeats_before_step_back:
        return Decision.STEP_BACK
    return Decision.HOLD


def unanswered(checkin: CheckIn) -> bool:
    """A session reported done without the pain it caused: no basis for moving on."""
    return checkin.status == "done" and checkin.pain_during is None


def settled(checkins: list[CheckIn], protocol: Protocol) -> bool:
    """The latest check-ins show an irritable knee has calmed down: enough of them in a row,
    all done, low pain during and the next morning, no swelling (``populations``)."""
    rules = protocol.populations
    recent = checkins[-rules.settled_checkins :]
    return len(recent) >= rules.settled_checkins and all(
        c.status == "done"
        and not c.red_flags
        and not c.swelling
        and c.pain_during is not None
        and c.pain_during <= rules.settled_max
        and c.pain_next_morning is not None
        and c.pain_next_morning <= rules.settled_max
        for c in recent
    )


def explain(decision: Decision) -> str:
    """The decision in plain words for the runner."""
    return {
        Decision.PROGRESS: "The knee coped well: move on to the next step as planned.",
        Decision.HOLD: "Repeat this step once more before moving on; the plan has been shifted.",
        Decision.STEP_BACK: (
            "The knee is telling you it was too much: rest tomorrow, then go back one step. "
            "The plan has been adjusted."
        ),
        Decision.STOP: (
            "Stop the programme and see a doctor: a warning sign was reported. "
            "A referral letter has been written."
        ),
    }[decision]


@dataclass(frozen=True)
class Replan:
    decision: Decision
    plan: Plan | None
    referral: Referral | None


def _match(session: Session, checkins: list[CheckIn]) -> CheckIn | None:
    """The newest check-in for ``session``: by its UID, or by date when no UID was given."""
    found = [
        c
        for c in checkins
        if c.session_uid == session.uid or (c.session_uid is None and c.date == session.date)
    ]
    return found[-1] if found else None


def replan(
    profile: Profile,
    library: Library,
    protocol: Protocol,
    previous: Plan,
    checkins: list[CheckIn],
    today: dt.date,
) -> Replan:
    """Re-plan from ``today`` after ``checkins``; sessions before today stay as they were."""
    ordered = sorted(checkins, key=lambda c: c.date)
    # The newest report (``checkins`` is in the order they were made) decides a stop,
    # whatever session it is about: a warning sign about last Tuesday stops the plan even
    # when Thursday was already logged.
    if checkins and checkins[-1].red_flags:
        newest = checkins[-1]
        flags = list(dict.fromkeys(newest.red_flags))
        referral = referral_for(profile, Screening(refer=True, flags=flags))
        referral = referral.model_copy(update={"date": newest.date, "at_checkin": True})
        return Replan(Decision.STOP, None, referral)
    if profile.start_date is None:
        profile = profile.model_copy(update={"start_date": previous.start_date})
    ctx = Context(profile, library, protocol)
    rw = protocol.run_walk
    per_stage = rw.sessions_per_stage_conservative if ctx.conservative else rw.sessions_per_stage
    stage, done, holds = ctx.entry_stage, 0, 0
    rest_days: set[dt.date] = set()
    held_weeks: set[int] = set()
    load_factor: float | None = None
    latest: Decision | None = None
    past = [s for s in previous.sessions if s.date < today]
    for session in past:
        checkin = _match(session, ordered)
        if checkin is None:
            decision = Decision.PROGRESS  # no news: assume it went as planned
        else:
            decision = decide(
                checkin,
                protocol,
                baseline=profile.pain.rest,
                strict=ctx.strict_pain(session.date),
                holds_in_a_row=holds,
                irritable=ctx.irritable,
            )
            if checkin is ordered[-1]:
                latest = decision
        if session.run_walk is not None and stage <= len(rw.stages):
            if decision is Decision.PROGRESS:
                done, holds = done + 1, 0
                if done >= per_stage:
                    stage, done = stage + 1, 0
            elif decision is Decision.HOLD:
                no_pain_news = checkin is not None and (
                    checkin.status == "skipped" or unanswered(checkin)
                )
                holds += 0 if no_pain_news else 1
            elif decision is Decision.STEP_BACK:
                stage, done, holds = max(1, stage - 1), 0, 0
                rest_days.add(max(session.date, checkin.date if checkin else session.date) + DAY)
        elif session.run_walk is not None:
            load_factor = {
                Decision.PROGRESS: None,
                Decision.HOLD: 1.0,
            }.get(decision, 1 / (1 + rw.continuous.weekly_increase_max))  # step back (or stop)
            if decision in (Decision.STEP_BACK, Decision.STOP):
                rest_days.add(session.date + DAY)
        elif session.kind is SessionKind.STRENGTH and decision in (
            Decision.HOLD,
            Decision.STEP_BACK,
        ):
            held_weeks.add((session.date - previous.start_date).days // 7)
    if latest is None and ordered:
        latest = decide(
            ordered[-1],
            protocol,
            baseline=profile.pain.rest,
            strict=ctx.strict_pain(ordered[-1].date),
            holds_in_a_row=holds,
            irritable=ctx.irritable,
        )
    resume = Resume(
        today=today,
        kept=tuple(past),
        stage=stage,
        done_in_stage=done,
        rest_days=frozenset(d for d in rest_days if d >= today),
        strength_hold=len(held_weeks),
        load_factor=load_factor,
        running_cleared=ctx.irritable and settled(ordered, protocol),
    )
    plan = continue_plan(profile, library, protocol, previous=previous, resume=resume)
    return Replan(latest or Decision.PROGRESS, plan, None)


PAUSE_TITLE = "Programme paused: contact your clinician"


def stopped_plan(plan: Plan, today: dt.date) -> Plan:
    """The plan after a red flag: what was done stays, the rest is replaced by one event.

    Every session from ``today`` on, and the marker of every phase that had not started,
    is withdrawn (``Plan.cancelled``, one SEQUENCE up): a subscribed calendar drops them,
    and so does one that re-imports the file, which would otherwise keep them all. A single
    all-day "programme paused" event on ``today``, titled so in every calendar, tells the
    runner why, in the calendar they actually look at.
    """
    past = [s for s in plan.sessions if s.date < today]
    start_time = plan.sessions[0].start_time if plan.sessions else "09:00"
    phase = past[-1].phase if past else plan.phases[0].key
    stop = Session(
        uid=Episode.of(plan).pause_uid(today),
        date=today,
        start_time=start_time,
        duration_min=15,
        phase=phase,
        kind=SessionKind.REVIEW,
        title=PAUSE_TITLE,
        notes=[
            "You reported a warning sign, so the exercise programme has stopped.",
            "Do not run or train the knee until a doctor or your physiotherapist has seen it.",
        ],
        calendar_title=PAUSE_TITLE,
    )
    # Markers of phases already begun stay exactly as published (same UID and SEQUENCE).
    phases = []
    for p in plan.phases:
        if p.start <= today:
            uid, sequence = published_phase(plan, p)
            phases.append(p.model_copy(update={"uid": uid, "sequence": sequence}))
    sessions = [*past, stop]
    cancelled = withdrawn(plan, sessions, phases)
    return plan.model_copy(update={"sessions": sessions, "phases": phases, "cancelled": cancelled})
