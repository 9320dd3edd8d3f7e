"""Calendar identities per plan episode: unique, unguessable, stable, never going backwards.

The calendars are read back with icalendar; "published" means what a client last saw for a
UID in a calendar file (sessions, phase markers and cancellations alike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rehabplan.export.ics import plan_to_ics
from rehabplan.library import default_library
from rehabplan.pipeline import ExportOptions
from rehabplan.planner import build_plan
from rehabplan.profile_io import read_profile
from rehabplan.progression import CheckIn, replan, stopped_plan
from rehabplan.protocol import default_protocol
from rehabplan.vocab import Phase, SessionKind

LIB, PROTO = default_library(), default_protocol()


def _profile(cal, example="maria-pes-anserine", **changes):
    profile = read_profile(cal.plan_for.__globals__["EXAMPLES"] / f"{example}.yaml")
    return profile.model_copy(update=changes) if changes else profile


def published(plan) -> dict[str, tuple[int, str]]:
    """UID → (SEQUENCE, STATUS) of every event in the plan's calendar file."""
    cal = icalendar.Calendar.from_ical(plan_to_ics(plan, ExportOptions()))
    out = {}
    for event in cal.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in out, f"{uid} twice in one calendar"
        out[uid] = (int(event["SEQUENCE"]), str(event.get("STATUS", "CONFIRMED")))
    return out


def assert_never_backwards(versions) -> None:
    """Across calendar versions, a UID's SEQUENCE never goes down, and a UID that was
    published is never silently dropped while the episode goes on."""
    seen: dict[str, int] = {}
    for n, plan in enumerate(versions):
        events = published(plan)
        for uid, (sequence, _) in events.items():
            assert sequence >= seen.get(uid, 0), f"version {n}: {uid} went back to {sequence}"
            seen[uid] = sequence
        missing = set(seen) - set(events)
        assert not missing, f"version {n} dropped {len(missing)} events without cancelling"


def test_same_profile_and_secret_give_the_same_bytes(cal):
    profile = _profile(cal)
    one = build_plan(profile, LIB, PROTO, episode_key="0f" * 16)
    two = build_plan(profile, LIB, PROTO, episode_key="0f" * 16)
    assert one.to_json() == two.to_json()
    assert one.episode_key == "0f" * 16


def test_episodes_and_clinics_never_share_uids(cal):
    """A runner's second episode, and another clinic's patient with the same pseudonym,
    share no UID with the first, also for the phase markers."""
    profile = _profile(cal)
    first = build_plan(profile, LIB, PROTO, episode_key="a1" * 16)
    second = build_plan(profile, LIB, PROTO, episode_key="b2" * 16)
    elsewhere = build_plan(profile.model_copy(update={"name": "Someone Else"}), LIB, PROTO,
                           episode_key="c3" * 16)  # fmt: skip
    ids = [set(published(p)) for p in (first, second, elsewhere)]
    assert all(len(i) == len(first.sessions) + len(first.phases) for i in ids)
    for a, b in itertools.combinations(ids, 2):
        assert not a & b


def test_uids_cannot_be_derived_from_the_patient_id(cal):
    """Whoever knows (or guesses) the patient id and start date cannot compute a UID: none
    matches any hash of them, the derivations the product used before included."""
    profile = _profile(cal)
    plan = build_plan(profile, LIB, PROTO, episode_key="d4" * 16)
    uids = set(published(plan))
    guesses = set()
    for phase, kind, n in itertools.product(Phase, SessionKind, range(200)):
        for parts in (("session", profile.patient_id, phase.value, kind.value, n),
                      ("session", profile.patient_id, profile.start_date, phase.value,
                       kind.value, n)):  # fmt: skip
            digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
            guesses.add(f"{digest[:20]}@rehabplan")
    for phase in Phase:
        digest = hashlib.sha256(
            "\x1f".join((profile.patient_id, "phase-start", phase.value)).encode()
        ).hexdigest()
        guesses.add(f"{digest[:20]}@rehabplan")
    assert not uids & guesses
    assert not any(profile.patient_id.lower() in uid.lower() for uid in uids)
    # Without a secret (library callers) the old derivation is used, so the guesses above
    # do reach those: the check has teeth.
    assert set(published(build_plan(profile, LIB, PROTO))) & guesses


def test_replans_of_an_episode_keep_uids(cal):
    profile = _profile(cal)
    first = build_plan(profile, LIB, PROTO, episode_key="e5" * 16)
    again = build_plan(profile.model_copy(update={"goal_weekly_km": 34.0}), LIB, PROTO,
                       previous=first)  # fmt: skip
    assert again.episode_key == first.episode_key and again.plan_id == first.plan_id
    kept = set(published(first)) & set(published(again))
    assert len(kept) >= len(first.sessions) * 0.9


def test_shorter_then_longer_plan_cancels_then_restores_with_higher_sequence(cal):
    profile = _profile(cal)
    long = build_plan(profile, LIB, PROTO, episode_key="f6" * 16)
    short = build_plan(profile.model_copy(update={"goal_weekly_km": 10.0}), LIB, PROTO,
                       previous=long)  # fmt: skip
    back = build_plan(profile, LIB, PROTO, previous=short)
    dropped = {s.uid for s in long.sessions} - {s.uid for s in short.sessions}
    assert len(dropped) >= 10
    events = published(short)
    for uid in dropped:
        assert events[uid][1] == "CANCELLED"
        assert events[uid][0] == published(long)[uid][0] + 1
    restored = published(back)
    assert all(restored[uid][1] == "CONFIRMED" and restored[uid][0] >= 2 for uid in dropped)
    assert_never_backwards([long, short, back])


def test_a_stop_keeps_the_markers_of_phases_begun(cal):
    """The marker of the phase the runner is in keeps its SEQUENCE after a stop (it used to
    take the highest SEQUENCE of that phase's remaining sessions, and so went down)."""
    profile = _profile(cal)
    plan = build_plan(profile, LIB, PROTO, episode_key="07" * 16)
    hurt = [s for s in plan.sessions if s.phase is Phase.ACUTE][2]
    entries = [CheckIn(session_uid=hurt.uid, date=hurt.date, status="done", pain_during=7)]
    changed = replan(profile, LIB, PROTO, plan, entries, hurt.date + dt.timedelta(days=1)).plan
    marker = next(p for p in changed.phases if p.key is Phase.ACUTE)
    stop = hurt.date + dt.timedelta(days=2)
    dropped = [s for s in changed.sessions if s.phase is Phase.ACUTE and s.date >= stop]
    assert any(s.sequence > 0 for s in dropped), "a changed session is dropped"
    stopped = stopped_plan(changed, stop)
    after = published(stopped)
    assert after[marker.uid][0] >= published(changed)[marker.uid][0]
    assert_never_backwards([plan, changed, stopped])


def test_a_new_episode_cancels_the_old_one_from_its_start(cal):
    profile = _profile(cal)
    old = build_plan(profile, LIB, PROTO, episode_key="08" * 16)
    restart = old.sessions[30].date
    new = build_plan(profile.model_copy(update={"start_date": restart}), LIB, PROTO,
                     previous=old, episode_key="09" * 16)  # fmt: skip
    events = published(new)
    for s in old.sessions:
        if s.date >= restart:
            assert events[s.uid] == (s.sequence + 1, "CANCELLED")
        else:
            assert s.uid not in events, "the old episode's past stays as it was"
    assert not {s.uid for s in new.sessions} & {s.uid for s in old.sessions}


@st.composite
def histories(draw):
    """A plan's life: check-ins with any answers on sessions in date order, maybe a stop."""
    return draw(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 10),
                                   st.sampled_from(["done", "skipped"]), st.booleans()),
                         min_size=1, max_size=4)), draw(st.booleans())  # fmt: skip


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories())
def test_sequence_never_goes_down_over_a_plans_life(history, cal):
    steps, stop = history
    profile = _profile(cal)
    plan = build_plan(profile, LIB, PROTO, episode_key="0a" * 16)
    versions = [plan]
    entries: list[CheckIn] = []
    for index, pain, status, swelling in steps:
        ahead = [s for s in plan.sessions if not entries or s.date > entries[-1].date]
        if not ahead:
            break
        s = ahead[index % len(ahead)]
        entries.append(CheckIn(session_uid=s.uid, date=s.date, status=status,
                               pain_during=pain, swelling=swelling))  # fmt: skip
        plan = replan(profile, LIB, PROTO, plan, entries, s.date + dt.timedelta(days=1)).plan
        versions.append(plan)
    if stop:
        versions.append(stopped_plan(plan, entries[-1].date + dt.timedelta(days=1)))
    assert_never_backwards(versions)


def test_a_plan_written_before_episodes_is_replaced_cleanly(cal, tmp_path):
    """A folder from before this version (no episode secret, phase markers without their own
    identity): the next run gives the plan a secret, and its calendar cancels every event
    the old file had, the phase markers under their old UIDs included."""
    import json

    from rehabplan.models.plan import Plan
    from rehabplan.pipeline import run

    profile = _profile(cal)
    legacy = json.loads(build_plan(profile, LIB, PROTO).to_json())
    for name in ("episode_key", "cancelled", "export"):
        legacy.pop(name)
    for phase in legacy["phases"]:
        phase.pop("uid"), phase.pop("sequence")
    (tmp_path / "plan.json").write_text(json.dumps(legacy), "utf-8")
    before = published(Plan.model_validate(legacy))  # the calendar that folder gave out
    assert len(before) == len(legacy["sessions"]) + len(legacy["phases"])
    outcome = run(profile, tmp_path, formats=("json", "ics"))
    plan = outcome.plan
    assert plan.episode_key and len(plan.episode_key) == 32
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(
        (tmp_path / "plan.ics").read_bytes()).walk("VEVENT")}  # fmt: skip
    for uid, (sequence, _) in before.items():
        assert str(events[uid]["STATUS"]) == "CANCELLED", uid
        assert int(events[uid]["SEQUENCE"]) == sequence + 1
    assert not set(before) & {s.uid for s in plan.sessions}
