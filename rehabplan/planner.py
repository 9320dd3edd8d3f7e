"""The planner: profile + exercise library + phase model → a dated Plan.

A pure function: no clock, no randomness, no I/O. The same inputs give the same
``plan.to_json()`` byte for byte, which is what lets calendars, batch re-runs and tests rely
on it. ``previous`` only carries over identities (UIDs, SEQUENCE numbers, withdrawn events);
it never changes the sessions. ``episode_key`` is the episode's secret, made by the caller
(see ``planning.identity``): the same profile and key give the same bytes.
"""

from __future__ import annotations

from rehabplan.library import Library
from rehabplan.models.plan import Plan
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import Protocol
from rehabplan.planning.adjustments import check as check_adjustments
from rehabplan.planning.assemble import assemble
from rehabplan.planning.context import Context
from rehabplan.planning.identity import (
    Episode,
    assign_identities,
    assign_phase_identities,
    same_episode,
    withdrawn,
)
from rehabplan.planning.scheduler import Resume, Scheduler

__all__ = ["Resume", "build_plan", "continue_plan"]


def build_plan(
    profile: Profile,
    library: Library,
    protocol: Protocol,
    *,
    previous: Plan | None = None,
    episode_key: str | None = None,
) -> Plan:
    """The whole plan from ``profile.start_date``.

    ``previous``: the plan this one replaces (same patient). With the same episode key
    (``episode_key`` None means "``previous``'s"), sessions keep their UIDs and every event
    it had that this one has not is withdrawn; with a new key this is a new episode, which
    withdraws only ``previous``'s events from this plan's start on.
    """
    return _plan(profile, library, protocol, previous=previous, resume=None, key=episode_key)


def continue_plan(
    profile: Profile, library: Library, protocol: Protocol, *, previous: Plan, resume: Resume
) -> Plan:
    """Re-plan from ``resume.today``: earlier sessions stay exactly as in ``previous``, and
    so does the episode."""
    return _plan(profile, library, protocol, previous=previous, resume=resume, key=None)


def _plan(
    profile: Profile,
    library: Library,
    protocol: Protocol,
    *,
    previous: Plan | None,
    resume: Resume | None,
    key: str | None,
) -> Plan:
    ctx = Context(profile, library, protocol)
    check_adjustments(ctx)  # an unsafe adjustment is refused before anything is planned
    if resume is not None and resume.running_cleared:
        today = (resume.today - ctx.start).days
        ctx = Context(profile, library, protocol, running_cleared=True, not_before=today)
    schedule = Scheduler(ctx, resume).run()
    if previous is not None and previous.patient_id != profile.patient_id:
        previous = None  # another runner's plan: nothing of it carries over
    if key is None and previous is not None:
        key = previous.episode_key
    episode = Episode(key, profile.patient_id, ctx.start)
    same = same_episode(previous, key, profile.patient_id)
    kept = {s.uid: s for s in resume.kept} if resume else {}
    fresh = [s for s in schedule.sessions if not (s.uid and s.uid in kept)]
    sessions = assign_identities(episode, [*kept.values(), *fresh], previous if same else None)
    # Sessions before today are the record of what was planned: keep them verbatim.
    sessions = [kept.get(s.uid, s) for s in sessions]
    plan = assemble(ctx, schedule, sessions)
    phases = assign_phase_identities(episode, plan.phases, previous if same else None)
    cancelled = (
        withdrawn(previous, sessions, phases, from_day=None if same else ctx.start)
        if previous is not None
        else []
    )
    return plan.model_copy(
        update={
            "plan_id": episode.plan_id(),
            "phases": phases,
            "episode_key": key,
            "cancelled": cancelled,
        }
    )
