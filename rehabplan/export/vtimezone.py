"""A compact VTIMEZONE for an IANA zone: one STANDARD and one DAYLIGHT rule with RRULEs.

icalendar's ``add_missing_timezones()`` writes every transition as an RDATE list, which
Outlook mishandles (DESIGN.md, field notes). Real zones follow yearly rules ("last Sunday
of March at 02:00"), so we read the transitions the zone actually has over the plan's
years from ``zoneinfo`` and express them as ``FREQ=YEARLY;BYMONTH=…;BYDAY=…``. When the
rule is not the same every year (a zone that changed its law within the span) we fall
back to listing the few transitions as RDATEs, which is still correct, only longer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_UTC = dt.UTC
_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    at_utc: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str
    is_dst: bool

    @property
    def local_onset(self) -> dt.datetime:
        """Wall-clock time of the change, read on the clock before it (what RFC 5545 wants)."""
        return (self.at_utc + self.offset_from).replace(tzinfo=None)


def _offset(zone: ZoneInfo, t: dt.datetime) -> dt.timedelta:
    return t.astimezone(zone).utcoffset() or dt.timedelta(0)


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every UTC-offset change in [first_year, last_year], to the minute."""
    out = []
    t = dt.datetime(first_year, 1, 1, tzinfo=_UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=_UTC)
    step = dt.timedelta(hours=6)
    before = _offset(zone, t)
    while t < end:
        nxt = t + step
        after = _offset(zone, nxt)
        if after != before:
            lo, hi = t, nxt  # offset(lo) == before, offset(hi) == after
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if _offset(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            local = hi.astimezone(zone)
            is_dst = bool(local.dst())
            out.append(Transition(hi, before, after, local.tzname() or "", is_dst))
            before = after
        t = nxt
    return out


def _byday(onset: dt.datetime) -> str:
    """``-1SU`` for the last such weekday of the month, else ``2SU`` and so on."""
    code = _DAY_CODES[onset.weekday()]
    next_week = onset + dt.timedelta(days=7)
    if next_week.month != onset.month:
        return f"-1{code}"
    return f"{(onset.day - 1) // 7 + 1}{code}"


def _rule_key(tr: Transition) -> tuple:
    onset = tr.local_onset
    return (onset.month, _byday(onset), onset.time(), tr.offset_from, tr.offset_to, tr.name)


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """A VTIMEZONE valid for every date in [first, last] (and the year before ``first``)."""
    zone = ZoneInfo(tzid)
    trs = transitions(zone, first.year - 1, last.year)
    tz = Timezone()
    tz.add("tzid", tzid)
    if not trs:
        noon = dt.datetime(first.year, first.month, first.day, 12, tzinfo=_UTC).astimezone(zone)
        offset = noon.utcoffset() or dt.timedelta(0)
        std = TimezoneStandard()
        std.add("dtstart", dt.datetime(1970, 1, 1))
        std.add("tzoffsetfrom", offset)
        std.add("tzoffsetto", offset)
        std.add("tzname", noon.tzname() or tzid)
        tz.add_component(std)
        return tz
    for is_dst in (False, True):
        group = [tr for tr in trs if tr.is_dst == is_dst]
        if not group:
            continue
        comp = TimezoneDaylight() if is_dst else TimezoneStandard()
        first_tr = group[0]
        comp.add("dtstart", first_tr.local_onset)
        comp.add("tzoffsetfrom", first_tr.offset_from)
        comp.add("tzoffsetto", first_tr.offset_to)
        comp.add("tzname", first_tr.name)
        keys = {_rule_key(tr) for tr in group}
        years = [tr.local_onset.year for tr in group]
        yearly = len(keys) == 1 and years == list(range(years[0], years[0] + len(years)))
        if yearly and len(group) > 1:
            onset = first_tr.local_onset
            comp.add(
                "rrule",
                vRecur({"FREQ": "YEARLY", "BYMONTH": onset.month, "BYDAY": _byday(onset)}),
            )
        else:
            # Irregular rules: list each onset; the offsets must then agree, so split off
            # any transition whose offsets differ into its own component.
            same = [tr for tr in group[1:] if _rule_key(tr)[3:] == _rule_key(first_tr)[3:]]
            for tr in same:
                comp.add("rdate", tr.local_onset)
            for tr in group[1:]:
                if tr not in same:
                    extra = TimezoneDaylight() if is_dst else TimezoneStandard()
                    extra.add("dtstart", tr.local_onset)
                    extra.add("tzoffsetfrom", tr.offset_from)
                    extra.add("tzoffsetto", tr.offset_to)
                    extra.add("tzname", tr.name)
                    tz.add_component(extra)
        tz.add_component(comp)
    return tz
