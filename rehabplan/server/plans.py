"""What the web app does to a patient's plan: create, re-generate, check in, stop.

The HTTP handlers stay thin; this module combines the pure core (screening, planner,
progression, exporters) with the store, and is the only place that decides what a stored
version contains. Every write is compare-and-set on the patient's version and retried with
fresh data when another process got there first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from rehabplan.library import Library, default_library
from rehabplan.models.plan import Plan, Referral
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import Protocol
from rehabplan.pipeline import ExportOptions
from rehabplan.progression import stopped_plan
from rehabplan.protocol import default_protocol
from rehabplan.store import Conflict, NewVersion, Store
from rehabplan.tokens import checkin_token, new_token, token_hash

CHECKIN_PLACEHOLDER = "https://checkin.rehabplan.invalid/c/CHECKIN-TOKEN"
"""Rendered into every stored feed where the check-in link goes; the feed handler replaces
it with the real link (host of the request + token derived from the feed token), so that no
token is ever stored in clear text, not even inside the cached calendar."""

RETRIES = 8

# How a version came about (plans.decision): the first plan, a clinician's re-generation,
# or the progression decision of a check-in (progress, hold, step_back, stop).
CREATED = "created"
REGENERATED = "regenerated"
FRESH_STARTS = (CREATED, REGENERATED)


@dataclass(frozen=True)
class Core:
    """The data every plan is made from; loaded once per process."""

    library: Library
    protocol: Protocol

    @classmethod
    def default(cls) -> Core:
        return cls(default_library(), default_protocol())


@dataclass(frozen=True)
class Outcome:
    status: str
    """active, stopped or referred."""
    plan: Plan | None
    referral: Referral | None
    feed_token: str | None = None
    """Only when this call issued a new feed link: shown once, never stored."""
    decision: str | None = None


def local_today(profile: Profile, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the runner lives (the clock is read here, at the edge)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(profile.zone).date()


def profile_json(profile: Profile) -> str:
    """The profile as stored: the same fields and spellings a profile file uses."""
    data = profile.model_dump(mode="json", exclude_none=True)
    data["availability"]["time"] = data["availability"]["time"][:5]  # HH:MM, as in files
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def load_profile(row: Any) -> Profile:
    return Profile.model_validate(json.loads(row.profile_json))


def load_plan(version_row: Any) -> Plan | None:
    if version_row is None or version_row.plan_json is None:
        return None
    return Plan.model_validate_json(version_row.plan_json)


def load_referral(version_row: Any) -> Referral | None:
    if version_row is None or version_row.referral_json is None:
        return None
    return Referral.model_validate_json(version_row.referral_json)


def feed_ics(plan: Plan, include_details: bool) -> bytes:
    """The feed of a version, stamped now: DTSTAMP says when this version's feed was made,
    and the stored bytes (hence ETag and Last-Modified) stay the same until the next one.
    A stopped plan's feed cancels the withdrawn sessions and titles the pause event as the
    file ``rehabplan checkin`` writes does (``Session.calendar_title``)."""
    from rehabplan.export.ics import plan_to_ics

    options = ExportOptions(
        ics_include_details=include_details,
        checkin_url=CHECKIN_PLACEHOLDER,
        generated_at=dt.datetime.now(dt.UTC),
    )
    return plan_to_ics(plan, options)


def _version_for(
    profile: Profile,
    core: Core,
    previous: Plan | None,
    include_details: bool,
    decision: str,
    ongoing: bool = True,
) -> tuple[NewVersion, Plan | None, Referral | None]:
    from rehabplan.planner import build_plan
    from rehabplan.screening import referral_for, screen

    result = screen(profile)
    if result.refer:
        referral = referral_for(profile, result)
        return (
            NewVersion("referred", referral_json=referral.to_json(), decision=decision),
            None,
            referral,
        )
    from rehabplan.tokens import new_episode_key

    # A plan that runs goes on as the same episode; a first plan, or one after a stop or a
    # referral, is a new episode (a new secret, so new calendar UIDs).
    key = previous.episode_key if previous is not None and ongoing else None
    plan = build_plan(
        profile,
        core.library,
        core.protocol,
        previous=previous,
        episode_key=key or new_episode_key(),
    )
    ics = feed_ics(plan, include_details)
    return NewVersion("active", plan_json=plan.to_json(), ics=ics, decision=decision), plan, None


def issue_links(store: Store, patient_pk: int) -> str:
    """New feed token (and its derived check-in token); the old ones stop working at once."""
    token = new_token()
    store.replace_tokens(
        patient_pk, {"feed": token_hash(token), "checkin": token_hash(checkin_token(token))}
    )
    return token


def create_patient(
    store: Store,
    profile: Profile,
    core: Core,
    *,
    owner_id: int | None,
    include_details: bool,
) -> tuple[int, Outcome]:
    """Save a new patient with a plan (and a feed link) or a referral. Raises Duplicate."""
    version, plan, referral = _version_for(profile, core, None, include_details, CREATED)
    pk = store.create_patient(
        profile.patient_id,
        profile_json(profile),
        version,
        owner_id=owner_id,
        include_details=include_details,
    )
    token = issue_links(store, pk) if plan is not None else None
    return pk, Outcome(version.status, plan, referral, token, CREATED)


def regenerate(
    store: Store, patient_pk: int, profile: Profile, core: Core, *, include_details: bool
) -> Outcome:
    """Make the plan again from the (possibly edited) profile, keeping UIDs where sessions stay.

    Check-ins logged before a re-generation stay in the history but no longer steer the plan:
    the clinician has just reassessed the runner, and the new profile says where they are.
    """
    for _ in range(RETRIES):
        current = store.current_version(patient_pk)
        expected = current.version if current is not None else 0
        previous = load_plan(current)
        ongoing = current is not None and current.status == "active"
        version, plan, referral = _version_for(
            profile, core, previous, include_details, REGENERATED, ongoing
        )
        if referral is not None and previous is not None:
            # A subscribed calendar must not keep showing sessions the runner should no
            # longer do: keep what was done, cancel the rest, add the pause event (a plan
            # already paused stays as it is).
            paused = stopped_plan(previous, local_today(profile)) if ongoing else previous
            version = NewVersion(
                "referred",
                plan_json=paused.to_json(),
                referral_json=referral.to_json(),
                ics=feed_ics(paused, include_details),
                decision=REGENERATED,
            )
        try:
            store.save_version(
                patient_pk,
                expected,
                version,
                profile_json=profile_json(profile),
                include_details=include_details,
            )
        except Conflict:
            continue
        token = None
        if plan is not None and "feed" not in store.live_token_kinds(patient_pk):
            token = issue_links(store, patient_pk)
        return Outcome(version.status, plan, referral, token, REGENERATED)
    raise Conflict("the plan kept changing while it was being re-generated; try again")


@dataclass(frozen=True)
class CheckinResult:
    decision: str
    plan: Plan | None
    referral: Referral | None
    replan_from: dt.date


def record_checkin(
    store: Store,
    patient_pk: int,
    entry: Any,
    core: Core,
    *,
    now: dt.datetime | None = None,
) -> CheckinResult:
    """Store one check-in and the re-planned version it leads to, in one transaction.

    The plan is re-made from the later of the runner's local today and the day after the
    reported session: the reported session is then part of the history the rules read, and
    nothing before today moves.
    """
    from rehabplan.progression import CheckIn, Decision, replan

    assert isinstance(entry, CheckIn)
    for _ in range(RETRIES):
        patient = store.patient_by_pk(patient_pk)
        current = store.current_version(patient_pk)
        previous = load_plan(current)
        if patient is None or previous is None or patient.status != "active":
            raise PlanNotActive()
        profile = load_profile(patient)
        today = local_today(profile, now)
        replan_from = max(today, entry.date + dt.timedelta(days=1))
        history = [CheckIn.model_validate_json(r.data_json) for r in _steering(store, patient_pk)]
        result = replan(
            profile, core.library, core.protocol, previous, [*history, entry], replan_from
        )
        checkin_row = {
            "session_uid": entry.session_uid,
            "session_date": entry.date,
            "data_json": entry.model_dump_json(),
            "decision": result.decision.value,
        }
        if result.decision is Decision.STOP:
            plan = stopped_plan(previous, today)
            version = NewVersion(
                "stopped",
                plan_json=plan.to_json(),
                referral_json=result.referral.to_json() if result.referral else None,
                ics=feed_ics(plan, patient.ics_include_details),
                decision=result.decision.value,
            )
        else:
            assert result.plan is not None
            plan = result.plan
            version = NewVersion(
                "active",
                plan_json=plan.to_json(),
                ics=feed_ics(plan, patient.ics_include_details),
                decision=result.decision.value,
            )
        try:
            store.save_version(patient_pk, current.version, version, checkin=checkin_row)
        except Conflict:
            continue
        return CheckinResult(result.decision.value, plan, result.referral, replan_from)
    raise Conflict("the plan kept changing while the check-in was saved; try again")


class PlanNotActive(Exception):
    """The plan is stopped or was never started (referral): no check-ins are taken."""


def _steering(store: Store, patient_pk: int) -> list[Any]:
    """Check-ins made since the plan was last created or re-generated by a clinician."""
    versions = store.versions(patient_pk)
    base = max((v.version for v in versions if v.decision in FRESH_STARTS), default=0)
    return [r for r in store.checkins(patient_pk) if r.plan_version > base]


def checkin_history(store: Store, patient_pk: int) -> list[dict[str, Any]]:
    """Every check-in with its decision, oldest first, for the clinician's table and chart."""
    out = []
    for row in store.checkins(patient_pk):
        data = json.loads(row.data_json)
        out.append({**data, "decision": row.decision, "logged_at": row.created_at})
    return out
