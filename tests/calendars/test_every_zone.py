"""Every IANA zone, plans starting in 2011, 2014, 2016, 2017, 2022 and 2026: every session's
UTC instant, observance and abbreviation read back from the embedded VTIMEZONE alone.

Clients that do not know the zone name (or, like Outlook, never look it up) convert each
session with the VTIMEZONE in the file. These tests check that block the way such a client
does, with readers that are not rehabplan's: ``tzreader`` (dateutil's RRULE engine) for
everything, dateutil's own VTIMEZONE reader (what vobject uses) for the offsets, and
vobject reading whole calendars whose TZID it cannot look up. The reference is zoneinfo.

Fast path: the VTIMEZONE a plan gets depends only on the zone and the plan's first and
last day, so most checks use a synthetic session list (every third day, at four times of
day in turn) instead of running the planner 5,000 times. The exporter itself writes one
calendar per zone in the last test. Names that are links to the same tzdata file (US/Eastern
and America/New_York) are checked once, with every name accounted for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import os
import zoneinfo
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
import vobject
from dateutil import tz as dateutil_tz

from rehabplan.export.vtimezone import vtimezone

YEARS = (2011, 2014, 2016, 2017, 2022, 2026)
PLANS = ((1, 15, 46), (11, 1, 26))
"""(month, day, weeks): a plan from mid-January through the year's changes on both
hemispheres, and one from November (after most of them) into the next year."""
TIMES = (dt.time(6, 30), dt.time(12, 15), dt.time(18, 45), dt.time(23, 30))
ZERO = dt.timedelta(0)
UTC = dt.UTC


def _tzif(name: str) -> bytes:
    """The tzdata file ``ZoneInfo(name)`` reads (system zoneinfo first, then tzdata)."""
    for folder in zoneinfo.TZPATH:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                return fh.read()
    return resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()


@cache
def zone_groups() -> dict[str, list[str]]:
    """Every zone name a profile accepts, grouped by identical tzdata: first name → all."""
    from rehabplan.models.profile import _zone_names

    groups: dict[bytes, list[str]] = {}
    for name in sorted(_zone_names()):
        groups.setdefault(hashlib.sha256(_tzif(name)).digest(), []).append(name)
    return {names[0]: names for names in groups.values()}


def sessions(first: dt.date, last: dt.date):
    """Wall-clock session times every third day, cycling through ``TIMES``."""
    for n, i in enumerate(range(0, (last - first).days + 1, 3)):
        yield dt.datetime.combine(first + dt.timedelta(days=i), TIMES[n % len(TIMES)])


def expected(wall: dt.datetime, zone: ZoneInfo):
    """zoneinfo's reading of ``wall``, or None if the time is skipped or repeated there."""
    local = wall.replace(tzinfo=zone)
    if local.utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset():
        return None  # repeated hour: tests/export/test_ics.py checks those sessions
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None  # skipped hour: the planner never schedules one
    return local


def missed_rules(reader) -> list[str]:
    """RDATE onsets that a yearly rule would describe (same month, weekday, week, time in
    consecutive years): where a rule exists, the zone must say it with an RRULE."""
    out = []
    for obs in reader.observances:
        if not obs.rdates:
            continue
        onsets = sorted([obs.start, *obs.rdates])
        for a, b in itertools.pairwise(onsets):
            week = (a.day - 1) // 7 == (b.day - 1) // 7
            last = a.day + 7 > _month_len(a) and b.day + 7 > _month_len(b)
            if (b.year == a.year + 1 and (a.month, a.time(), a.weekday()) ==
                    (b.month, b.time(), b.weekday()) and (week or last)):  # fmt: skip
                out.append(f"RDATE {a} and {b} follow one rule")
    return out


def _month_len(d: dt.datetime) -> int:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - dt.timedelta(days=1)).day


def check_zone(name: str, year: int, tzreader) -> tuple[list[str], int]:
    """Problems with ``name``'s VTIMEZONE for plans starting in ``year``, and checks made."""
    zone = ZoneInfo(name)
    problems: list[str] = []
    checked = 0
    for month, day, weeks in PLANS:
        first = dt.date(year, month, day)
        last = first + dt.timedelta(weeks=weeks)
        text = vtimezone(name, first, last).to_ical().decode("utf-8")
        horizon = dt.datetime.combine(last, dt.time()) + dt.timedelta(days=2)
        reader = tzreader.read(text, name, horizon)
        problems += [f"{name} {first}: {p}" for p in missed_rules(reader)]
        # dateutil's VTIMEZONE reader, which vobject uses: offsets only (it reports DST
        # as TZOFFSETTO - TZOFFSETFROM, which says nothing about the observance's kind).
        other = dateutil_tz.tzical(io.StringIO(text)).get(name) if month == 11 else None
        for wall in sessions(first, last):
            local = expected(wall, zone)
            if local is None:
                continue
            checked += 1
            try:
                offset, daylight, abbreviation = reader.period_at_local(wall)
            except (tzreader.NotCovered, ValueError) as e:
                problems.append(f"{name} {wall}: {e}")
                continue
            if offset != local.utcoffset():
                problems.append(f"{name} {wall}: UTC{offset} instead of UTC{local.utcoffset()}")
            elif abbreviation != local.tzname():
                problems.append(f"{name} {wall}: {abbreviation} instead of {local.tzname()}")
            elif (local.dst() > ZERO and not daylight) or (local.dst() < ZERO and daylight):
                # Summer time is DAYLIGHT; tzdata's negative DST (Irish winter) is STANDARD.
                problems.append(f"{name} {wall}: {'DAYLIGHT' if daylight else 'STANDARD'} "
                                f"for tzdata DST {local.dst()}")  # fmt: skip
            if other is not None and wall.replace(tzinfo=other).utcoffset() != local.utcoffset():
                problems.append(f"{name} {wall}: dateutil reads UTC"
                                f"{wall.replace(tzinfo=other).utcoffset()}")  # fmt: skip
    return problems, checked


def test_every_zone_name_is_checked():
    groups = zone_groups()
    from rehabplan.models.profile import _zone_names

    assert sorted(n for names in groups.values() for n in names) == sorted(_zone_names())
    assert len(_zone_names()) > 400 and len(groups) > 300
    for names in groups.values():  # links really are the same zone
        data = {_tzif(n) for n in names}
        assert len(data) == 1


@pytest.mark.parametrize("year", YEARS)
def test_every_zone_every_session_from_the_embedded_vtimezone(year, tzreader):
    failing: dict[str, list[str]] = {}
    total = 0
    for name in zone_groups():
        problems, checked = check_zone(name, year, tzreader)
        total += checked
        if problems:
            failing[name] = problems
    assert total > 100_000 / len(YEARS)
    detail = "\n".join(f"  {p}" for probs in failing.values() for p in probs[:3])
    assert not failing, f"{year}: {len(failing)} of {len(zone_groups())} zones wrong:\n{detail}"


def _unusual(name: str) -> bool:
    """Zones whose 2022 block is more than one or two plain observances."""
    text = vtimezone(name, dt.date(2022, 2, 7), dt.date(2023, 8, 1)).to_ical().decode()
    return "RDATE" in text or "UNTIL" in text or text.count("BEGIN:") > 3


def test_zones_through_the_exporter_and_vobject(cal):
    """plan_to_ics for one real plan moved to other zones in 2022 (Mexico, Jordan, Syria,
    Iran, Greenland and Paraguay changed their rules around then), read by vobject from the
    embedded VTIMEZONE under an unknown TZID: every timed session at its instant. Every
    zone whose block is unusual, and every eighth of the others (vobject compares each
    new zone with UTC over 20 years, ~50 ms a zone)."""
    from rehabplan.export.ics import plan_to_ics
    from rehabplan.pipeline import ExportOptions

    spring = cal.plan_for("kenji-knee-oa", start_date=dt.date(2022, 2, 7), episode_key="a")
    autumn = cal.plan_for("kenji-knee-oa", start_date=dt.date(2022, 8, 8), episode_key="b")
    timed = [s for p in (spring, autumn) for s in p.sessions if s.kind.value != "review"]
    assert (timed[-1].date - timed[0].date).days > 330
    picked = timed[:: max(1, len(timed) // 24)]
    names = list(zone_groups())
    chosen = [n for n in names if _unusual(n)]
    chosen += [n for n in names[::8] if n not in chosen]
    assert {"America/Mexico_City", "Africa/Casablanca", "Asia/Amman"} <= set(chosen)
    failing = []
    for name in chosen:
        plan = spring.model_copy(
            update={"timezone": name, "sessions": picked, "end_date": autumn.end_date}
        )
        ics, tzid = cal.renamed_tzid(plan_to_ics(plan, ExportOptions()), name)
        events = {e.uid.value: e for e in vobject.readOne(ics.decode("utf-8")).vevent_list}
        zone = ZoneInfo(name)
        for s in picked:
            wall = dt.datetime.combine(s.date, dt.time.fromisoformat(s.start_time))
            local = expected(wall, zone)
            start = events[s.uid].dtstart.value
            if local is None:
                continue
            if start.tzinfo is None:
                # vobject registers no zone that equals UTC and leaves such times floating.
                if local.utcoffset() != ZERO:
                    failing.append(f"{name} {wall}: vobject did not read {tzid}")
                start = start.replace(tzinfo=UTC)
            if start.astimezone(UTC) != local.astimezone(UTC):
                failing.append(f"{name} {wall}: {start.astimezone(UTC)}")
    assert not failing, "\n".join(failing[:20])
