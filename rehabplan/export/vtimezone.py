"""A VTIMEZONE that describes what a zone's clocks really do over a plan's span.

Clients that read only the embedded zone (Outlook, and every client given a TZID it does not
know) convert each session with this block alone, so it has to be right for every day of the
plan even where the zone changed its law (Mexico abolishing daylight time in 2022, Sudan
moving its offset in 2017, Morocco's Ramadan breaks). It is built from the transitions the
zone actually has, read from ``zoneinfo`` over the plan's years plus one on each side:

* Transitions that repeat year after year by one rule ("last Sunday of March at 02:00",
  "first Sunday on or after the 2nd", "21 March") become one observance with a YEARLY
  RRULE: nth-weekday forms first (what Outlook maps to its own rules), then weekday-on-or-
  after and fixed-date forms. A rule that stops inside the span ends with UNTIL (in UTC,
  one day after the last change, so that readers that misread UNTIL as local time still
  keep that last change and still drop the next year's).
* Only transitions that follow no yearly rule (Morocco's Ramadan dates, a one-off change
  of offset) are listed as RDATEs, grouped by offsets. A zone with a rule never becomes a
  long RDATE list, which Outlook mishandles (DESIGN.md, field notes).
* The offset in force at the plan's start is always described: when the first change in
  the span comes after the plan starts, an observance at the start of the span carries
  the offset of the time before it.
* STANDARD and DAYLIGHT follow the convention clients expect, also for zones that tzdata
  describes with negative daylight saving (Europe/Dublin, Africa/Casablanca, and Namibia
  until 2017): of two offsets a zone alternates between, the larger one is DAYLIGHT. So
  Irish summer time (IST, +01) is DAYLIGHT and Irish winter time (GMT) is STANDARD.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_UTC = dt.UTC
_ZERO = dt.timedelta(0)
_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_STEP = 2 * 86_400
"""Seconds between samples when looking for changes. Since 1999 no zone has had two changes
less than 6.9 days apart (checked over every zone in tzdata 2026f), so none is missed."""
_UNTIL_MARGIN = dt.timedelta(days=1)


@dataclass(frozen=True)
class State:
    """The clock between two changes: UTC offset, tzdata's DST amount and abbreviation."""

    offset: dt.timedelta
    dst: dt.timedelta
    name: str


@dataclass(frozen=True)
class Transition:
    at_utc: dt.datetime
    before: State
    after: State
    daylight: bool = False
    """Whether the time from here on is summer time (see :func:`_label`)."""

    @property
    def offset_from(self) -> dt.timedelta:
        return self.before.offset

    @property
    def offset_to(self) -> dt.timedelta:
        return self.after.offset

    @property
    def name(self) -> str:
        return self.after.name

    @property
    def local_onset(self) -> dt.datetime:
        """Wall-clock time of the change, read on the clock before it (what RFC 5545 wants)."""
        return (self.at_utc + self.offset_from).replace(tzinfo=None)


def _state(zone: ZoneInfo, epoch: int) -> tuple[dt.timedelta, dt.timedelta, str]:
    local = dt.datetime.fromtimestamp(epoch, zone)
    return (local.utcoffset() or _ZERO, local.dst() or _ZERO, local.tzname() or "")


def _label(state: State, neighbours: list[State]) -> bool:
    """True when ``state`` is summer time (DAYLIGHT), as clients understand it.

    tzdata's main form gives some zones negative DST: Irish winter time is "GMT, DST -1h"
    and summer time "IST, standard". Clients expect the reverse, so a period with negative
    DST is STANDARD and the period whose offset is that period's standard offset (its
    offset minus its DST) is DAYLIGHT.
    """
    if state.dst > _ZERO:
        return True
    if state.dst < _ZERO:
        return False
    return any(n.dst < _ZERO and n.offset - n.dst == state.offset for n in neighbours)


def states(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[State, list[Transition]]:
    """The clock at 1 January ``first_year`` (UTC) and every change up to ``last_year``'s end.

    A change is anything a calendar shows: the offset, summer-time status or abbreviation.
    """
    initial: State | None = None
    changes: list[tuple[int, State, State]] = []
    for year in range(first_year, last_year + 1):
        at_start, found = _year(zone.key, year)
        if initial is None:
            initial = at_start
        changes += found
    assert initial is not None
    periods = [initial, *(after for _, _, after in changes)]
    out = []
    for i, (epoch, before, after) in enumerate(changes):
        around = periods[i : i + 3 : 2]  # the periods before and after this one
        at = dt.datetime.fromtimestamp(epoch, _UTC)
        out.append(Transition(at, before, after, _label(after, around)))
    return initial, out


@lru_cache(maxsize=4096)
def _year(key: str, year: int) -> tuple[State, tuple[tuple[int, State, State], ...]]:
    """The clock at the start of ``year`` (UTC) and the changes after it, up to and
    including the first second of the next year, to the second."""
    zone = ZoneInfo(key)
    t = int(dt.datetime(year, 1, 1, tzinfo=_UTC).timestamp())
    end = int(dt.datetime(year + 1, 1, 1, tzinfo=_UTC).timestamp())
    start = before = _state(zone, t)
    found = []
    while t < end:
        nxt = min(t + _STEP, end)
        after = _state(zone, nxt)
        if after != before:
            lo, hi = t, nxt  # state(lo) == before, state(hi) != before
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _state(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            after = _state(zone, hi)
            found.append((hi, State(*before), State(*after)))
            before, t = after, hi
            continue
        t = nxt
    return State(*start), tuple(found)


# -- yearly rules ---------------------------------------------------------------------------

Rule = tuple
"""("nth", weekday, n) | ("last", weekday) | ("ge", weekday, day) | ("day", day)."""

_PREFERENCE = {"nth": 0, "last": 1, "ge": 2, "day": 3}


def _rules(day: dt.date) -> set[Rule]:
    """Every yearly rule of the kinds above that falls on ``day``."""
    weekday = day.weekday()
    month_len = calendar.monthrange(day.year, day.month)[1]
    rules: set[Rule] = {("day", day.day)}
    n = (day.day - 1) // 7 + 1
    if n <= 4:
        rules.add(("nth", weekday, n))
    if day.day + 7 > month_len:
        rules.add(("last", weekday))
    for first in range(max(1, day.day - 6), day.day + 1):
        if first + 6 <= month_len:
            rules.add(("ge", weekday, first))
    return rules


def _rule_parts(rule: Rule, month: int) -> dict:
    kind = rule[0]
    parts: dict = {"FREQ": "YEARLY", "BYMONTH": month}
    if kind == "nth":
        parts["BYDAY"] = f"{rule[2]}{_DAY_CODES[rule[1]]}"
    elif kind == "last":
        parts["BYDAY"] = f"-1{_DAY_CODES[rule[1]]}"
    elif kind == "ge":
        parts["BYDAY"] = _DAY_CODES[rule[1]]
        parts["BYMONTHDAY"] = list(range(rule[2], rule[2] + 7))
    else:
        parts["BYMONTHDAY"] = rule[1]
    return parts


def _same_kind(a: Transition, b: Transition) -> bool:
    """Two changes one rule could describe: same offsets, name, month and wall-clock time."""
    return (
        a.daylight == b.daylight
        and a.before.offset == b.before.offset
        and a.after.offset == b.after.offset
        and a.name == b.name
        and a.local_onset.month == b.local_onset.month
        and a.local_onset.time() == b.local_onset.time()
    )


@dataclass
class _Run:
    members: list[Transition]
    rules: set[Rule]


def _runs(trs: list[Transition]) -> list[_Run]:
    """Split the changes of one kind into runs that each follow one yearly rule."""
    runs: list[_Run] = []
    open_runs: list[_Run] = []
    for tr in trs:
        day = tr.local_onset.date()
        placed = False
        for run in open_runs:
            last = run.members[-1]
            common = run.rules & _rules(day)
            if last.local_onset.year + 1 == day.year and _same_kind(last, tr) and common:
                run.members.append(tr)
                run.rules = common
                placed = True
                break
        if not placed:
            run = _Run([tr], _rules(day))
            runs.append(run)
            open_runs.append(run)
        # A run that missed a year can never continue.
        open_runs = [r for r in open_runs if r.members[-1].local_onset.year >= day.year - 1]
    return runs


def _observance(tr: Transition, start: dt.datetime | None = None):
    comp = TimezoneDaylight() if tr.daylight else TimezoneStandard()
    comp.add("dtstart", start or tr.local_onset)
    comp.add("tzoffsetfrom", tr.offset_from)
    comp.add("tzoffsetto", tr.offset_to)
    if tr.name:
        comp.add("tzname", tr.name)
    return comp


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """A VTIMEZONE valid for every moment from ``first`` to ``last`` (and a year each side)."""
    zone = ZoneInfo(tzid)
    lo_year, hi_year = first.year - 1, last.year + 1
    initial, trs = states(zone, lo_year, hi_year)
    tz = Timezone()
    tz.add("tzid", tzid)

    observances = []
    irregular: dict[tuple, list[Transition]] = {}
    steady = False
    for daylight in (False, True):
        for run in _runs([tr for tr in trs if tr.daylight is daylight]):
            if len(run.members) < 2:
                tr = run.members[0]
                key = (tr.daylight, tr.offset_from, tr.offset_to, tr.name)
                irregular.setdefault(key, []).append(tr)
                continue
            head, tail = run.members[0], run.members[-1]
            rule = min(run.rules, key=lambda r: (_PREFERENCE[r[0]], r))
            parts = _rule_parts(rule, head.local_onset.month)
            if tail.local_onset.year < hi_year:
                # The rule did not happen in a year the span covers: the law changed, so
                # the rule must end (a run reaching the span's end is the current rule).
                parts["UNTIL"] = tail.at_utc + _UNTIL_MARGIN
            start = None
            if head.local_onset.year == lo_year:
                # The rule already held when the span began: start it in 1970, as zone
                # libraries do. This only speaks of times before the span, and readers that
                # judge a zone by 2000-2020 (vobject: "no change there, so this is UTC")
                # then see it change.
                start = _occurrence(rule, head.local_onset, EPOCH_YEAR)
                steady = True
            comp = _observance(head, start)
            comp.add("rrule", vRecur(parts))
            observances.append((start or head.local_onset, comp))
    for group in irregular.values():
        comp = _observance(group[0])
        for tr in group[1:]:
            comp.add("rdate", tr.local_onset)
        observances.append((group[0].local_onset, comp))
    if not steady:
        # No rule reaches back to the span's start: say what the clock showed then (and,
        # for readers that ask, before), so the plan's first days have an offset too.
        following = [trs[0].after] if trs else []
        label = _label(initial, following)
        before = Transition(dt.datetime(EPOCH_YEAR, 1, 1, tzinfo=_UTC), initial, initial, label)
        start = dt.datetime(EPOCH_YEAR, 1, 1)
        observances.append((start, _observance(before, start)))
    for _, comp in sorted(observances, key=lambda o: o[0]):
        tz.add_component(comp)
    return tz


EPOCH_YEAR = 1970


def _occurrence(rule: Rule, onset: dt.datetime, year: int) -> dt.datetime:
    """The onset ``rule`` gives in ``year`` (same month and wall-clock time as ``onset``)."""
    month = onset.month
    month_len = calendar.monthrange(year, month)[1]
    kind = rule[0]
    if kind == "day":
        day = rule[1]
    elif kind == "last":
        day = month_len
        while dt.date(year, month, day).weekday() != rule[1]:
            day -= 1
    else:
        base = 1 + 7 * (rule[2] - 1) if kind == "nth" else rule[2]
        day = base
        while dt.date(year, month, day).weekday() != rule[1]:
            day += 1
    return dt.datetime.combine(dt.date(year, month, day), onset.time())
