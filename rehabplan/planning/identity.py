"""Stable identities: plan ids, calendar UIDs, SEQUENCE numbers and withdrawn events.

Calendar identities are derived from the plan *episode*, not the patient: an episode has a
random secret (``Plan.episode_key``) made once at the edge (``rehabplan plan``, a batch run,
the server creating a patient) and kept by every re-plan of that episode. So

* UIDs are unique per episode: a second episode for the same runner, or another clinic's
  patient with the same pseudonym, shares none, and importing one never moves the other's
  events;
* UIDs are keyed hashes (HMAC-SHA256) of the secret: knowing the patient id does not help
  to guess them, nor does a UID lead back to the patient id;
* a re-plan of the same episode gives a session that still exists the same UID (by phase,
  kind and ordinal), so subscribed calendars update the event instead of duplicating it.

SEQUENCE never goes down: a kept event keeps its number when unchanged and gets one more
when changed; an event the new version no longer has is listed as cancelled with one more
(``Plan.cancelled``), and an event that comes back after being cancelled gets one more than
its cancellation.

Nothing here reads a clock or a random source: the secret is an input. Without one (library
callers, tests) identities are derived from the patient id and start date as before
episodes existed: deterministic, but guessable, so every product edge passes a secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter

from rehabplan.models.plan import CancelledEvent, PhaseBlock, Plan, Session
from rehabplan.vocab import SessionKind


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _keyed(key: str, *parts: object) -> str:
    message = "|".join(str(p) for p in parts).encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


class Episode:
    """What a plan's identities derive from: its secret, or (without one) the patient."""

    def __init__(self, key: str | None, patient_id: str, start: object):
        self.key = key
        self.patient_id = patient_id
        self.start = start

    @classmethod
    def of(cls, plan: Plan) -> Episode:
        return cls(plan.episode_key, plan.patient_id, plan.start_date)

    def _id(self, *parts: object) -> str:
        if self.key:
            return _keyed(self.key, *parts)
        return _digest(*parts[:1], self.patient_id, *parts[1:])

    def plan_id(self) -> str:
        """The plan's label on the handout: from the patient and start date, not the secret,
        so the same input prints the same handout in any folder (it is in no calendar)."""
        return _digest("plan", self.patient_id, self.start)[:16]

    def session_uid(self, phase: str, kind: str, ordinal: int) -> str:
        return f"{self._id('session', phase, kind, ordinal)[:20]}@rehabplan"

    def phase_uid(self, phase: str) -> str:
        if self.key:
            return f"{_keyed(self.key, 'phase-start', phase)[:20]}@rehabplan"
        return legacy_phase_uid(self.patient_id, phase)

    def pause_uid(self, day: dt.date) -> str:
        return f"{self._id('stop', day.isoformat())[:20]}@rehabplan"


def plan_id(patient_id: str, start_date: object) -> str:
    """The plan id (see :meth:`Episode.plan_id`)."""
    return Episode(None, patient_id, start_date).plan_id()


def legacy_phase_uid(patient_id: str, phase: str) -> str:
    """The "new phase" marker UID of plans written before markers kept their own."""
    digest = hashlib.sha256("\x1f".join((patient_id, "phase-start", phase)).encode()).hexdigest()
    return f"{digest[:20]}@rehabplan"


def _content(item: Session | PhaseBlock) -> dict:
    return item.model_dump(mode="json", exclude={"uid", "sequence"})


def _next_sequence(uid: str, item, before: dict, withdrawn: dict[str, int]) -> int:
    old = before.get(uid)
    if old is not None:
        return old.sequence if _content(old) == _content(item) else old.sequence + 1
    if uid in withdrawn:
        return withdrawn[uid] + 1  # back after a cancellation: newer than that
    return 0


def same_episode(previous: Plan | None, key: str | None, patient_id: str) -> bool:
    return (
        previous is not None and previous.patient_id == patient_id and previous.episode_key == key
    )


def assign_identities(
    episode: Episode, sessions: list[Session], previous: Plan | None
) -> list[Session]:
    """UIDs by ordinal in date order; SEQUENCE carried over or raised against ``previous``
    (a plan of the same episode, or None)."""
    before = {s.uid: s for s in previous.sessions} if previous else {}
    withdrawn = {c.uid: c.sequence for c in previous.cancelled} if previous else {}
    counts: Counter[tuple[str, str]] = Counter()
    out: list[Session] = []
    for s in sorted(sessions, key=lambda s: s.date):
        key = (s.phase.value, s.kind.value)
        uid = episode.session_uid(*key, counts[key])
        counts[key] += 1
        out.append(
            s.model_copy(update={"uid": uid, "sequence": _next_sequence(uid, s, before, withdrawn)})
        )
    return out


def assign_phase_identities(
    episode: Episode, phases: list[PhaseBlock], previous: Plan | None
) -> list[PhaseBlock]:
    """Each phase's marker UID, and its SEQUENCE raised when the phase changed."""
    before = {}
    for phase in previous.phases if previous else []:
        uid, sequence = published_phase(previous, phase)
        before[uid] = phase.model_copy(update={"uid": uid, "sequence": sequence})
    withdrawn = {c.uid: c.sequence for c in previous.cancelled} if previous else {}
    out = []
    for phase in phases:
        uid = episode.phase_uid(phase.key.value)
        probe = phase.model_copy(update={"uid": uid})
        out.append(
            probe.model_copy(update={"sequence": _next_sequence(uid, probe, before, withdrawn)})
        )
    return out


def published_phase(plan: Plan, phase: PhaseBlock) -> tuple[str, int]:
    """UID and SEQUENCE a phase's marker was (or is) published with.

    Plans written before markers kept their own identity derived both from the patient and
    the highest SEQUENCE among the phase's sessions; the same rule applies to them here.
    """
    if phase.uid:
        return phase.uid, phase.sequence
    in_phase = [s.sequence for s in plan.sessions if s.phase is phase.key]
    return legacy_phase_uid(plan.patient_id, phase.key.value), max(in_phase, default=0)


def withdrawn(
    previous: Plan,
    sessions: list[Session],
    phases: list[PhaseBlock],
    *,
    from_day: dt.date | None = None,
) -> list[CancelledEvent]:
    """Every event ``previous`` published (or had cancelled) that ``sessions`` and
    ``phases`` no longer have, as cancellations one SEQUENCE up.

    ``from_day``: only events on or after this day (a new episode replaces the old one
    from its start; what the old one had before that stays as history).
    """
    keep = {s.uid for s in sessions} | {p.uid for p in phases}
    out: dict[str, CancelledEvent] = {}

    def add(event: CancelledEvent) -> None:
        if event.uid not in keep and (from_day is None or event.date >= from_day):
            out.setdefault(event.uid, event)

    for s in previous.sessions:
        timed = s.kind is not SessionKind.REVIEW
        add(
            CancelledEvent(
                uid=s.uid,
                sequence=s.sequence + 1,
                date=s.date,
                start_time=s.start_time if timed else None,
                duration_min=s.duration_min if timed else 0,
                kind=s.kind,
            )
        )
    for phase in previous.phases:
        uid, sequence = published_phase(previous, phase)
        add(CancelledEvent(uid=uid, sequence=sequence + 1, date=phase.start))
    for event in previous.cancelled:
        add(event)  # already withdrawn: stays withdrawn, with the same SEQUENCE
    return sorted(out.values(), key=lambda e: (e.date, e.uid))
