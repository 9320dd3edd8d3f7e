"""Stable identities: plan ids, session UIDs and iCalendar SEQUENCE numbers.

A session's UID is derived from (patient, phase, kind, ordinal within phase and kind), so a
re-plan gives a session that still exists the same UID and subscribed calendars update the
event instead of duplicating it. SEQUENCE rises only when a kept session really changed.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from rehabplan.models.plan import Plan, Session


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def plan_id(patient_id: str, start_date: object) -> str:
    return _digest("plan", patient_id, start_date)[:16]


def session_uid(patient_id: str, phase: str, kind: str, ordinal: int) -> str:
    return f"{_digest('session', patient_id, phase, kind, ordinal)[:20]}@rehabplan"


def _content(session: Session) -> dict:
    return session.model_dump(mode="json", exclude={"uid", "sequence"})


def assign_identities(
    patient_id: str, sessions: list[Session], previous: Plan | None
) -> list[Session]:
    """UIDs by ordinal in date order; SEQUENCE carried over or raised against ``previous``."""
    before = {s.uid: s for s in previous.sessions} if previous else {}
    counts: Counter[tuple[str, str]] = Counter()
    out: list[Session] = []
    for s in sorted(sessions, key=lambda s: s.date):
        key = (s.phase.value, s.kind.value)
        uid = session_uid(patient_id, *key, counts[key])
        counts[key] += 1
        old = before.get(uid)
        if old is None:
            sequence = 0
        elif _content(old) == _content(s):
            sequence = old.sequence
        else:
            sequence = old.sequence + 1
        out.append(s.model_copy(update={"uid": uid, "sequence": sequence}))
    return out
