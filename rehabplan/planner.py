"""The planner: profile + exercise library + phase model → a dated Plan.

A pure function: no clock, no randomness, no I/O. The same inputs give the same
``plan.to_json()`` byte for byte, which is what lets calendars, batch re-runs and tests rely
on it. ``previous`` only carries over iCalendar SEQUENCE numbers; it never changes the plan.
"""

from __future__ import annotations

from rehabplan.library import Library
from rehabplan.models.plan import Plan
from rehabplan.models.profile import Profile
from rehabplan.models.protocol import Protocol
from rehabplan.planning.assemble import assemble
from rehabplan.planning.context import Context
from rehabplan.planning.identity import assign_identities
from rehabplan.planning.scheduler import Resume, Scheduler

__all__ = ["Resume", "build_plan", "continue_plan"]


def build_plan(
    profile: Profile, library: Library, protocol: Protocol, *, previous: Plan | None = None
) -> Plan:
    """The whole plan from ``profile.start_date``."""
    return _plan(profile, library, protocol, previous=previous, resume=None)


def continue_plan(
    profile: Profile, library: Library, protocol: Protocol, *, previous: Plan, resume: Resume
) -> Plan:
    """Re-plan from ``resume.today``: earlier sessions stay exactly as in ``previous``."""
    return _plan(profile, library, protocol, previous=previous, resume=resume)


def _plan(
    profile: Profile,
    library: Library,
    protocol: Protocol,
    *,
    previous: Plan | None,
    resume: Resume | None,
) -> Plan:
    ctx = Context(profile, library, protocol)
    if resume is not None and resume.running_cleared:
        today = (resume.today - ctx.start).days
        ctx = Context(profile, library, protocol, running_cleared=True, not_before=today)
    schedule = Scheduler(ctx, resume).run()
    kept = {s.uid: s for s in resume.kept} if resume else {}
    fresh = [s for s in schedule.sessions if not (s.uid and s.uid in kept)]
    sessions = assign_identities(profile.patient_id, [*kept.values(), *fresh], previous)
    # Sessions before today are the record of what was planned: keep them verbatim.
    sessions = [kept.get(s.uid, s) for s in sessions]
    return assemble(ctx, schedule, sessions)
