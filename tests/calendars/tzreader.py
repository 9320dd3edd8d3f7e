"""A small VTIMEZONE reader written for the tests, independent of rehabplan and icalendar.

It reads the text of one VTIMEZONE (unfolding lines itself), expands every observance's
DTSTART, RRULE (with dateutil's RFC 5545 engine) and RDATEs into onsets, and answers what
a client that trusts only the embedded zone would: the UTC offset, the observance
(STANDARD or DAYLIGHT) and its TZNAME at a local wall-clock time. UNTIL is read as the
UTC instant RFC 5545 says it is.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from dateutil import rrule

UTC = dt.UTC


class NotCovered(Exception):
    """The local time falls before every observance: the VTIMEZONE says nothing about it."""


def _offset(text: str) -> dt.timedelta:
    m = re.fullmatch(r"([+-])(\d{2})(\d{2})(\d{2})?", text.strip())
    if not m:
        raise ValueError(f"bad UTC offset {text!r}")
    sign = -1 if m[1] == "-" else 1
    return sign * dt.timedelta(hours=int(m[2]), minutes=int(m[3]), seconds=int(m[4] or 0))


def _local(text: str) -> dt.datetime:
    if text.endswith("Z"):
        raise ValueError(f"observance times are local, got {text!r}")
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%S")


@dataclass
class Observance:
    daylight: bool
    start: dt.datetime | None = None
    offset_from: dt.timedelta | None = None
    offset_to: dt.timedelta | None = None
    name: str = ""
    rules: list[str] = field(default_factory=list)
    rdates: list[dt.datetime] = field(default_factory=list)

    def onsets(self, until: dt.datetime) -> list[dt.datetime]:
        """Local onsets (on the clock before the change) up to ``until`` (local)."""
        assert self.start is not None and self.offset_from is not None
        out = [self.start, *self.rdates]
        for text in self.rules:
            m = re.search(r"UNTIL=(\d{8}T\d{6}Z)", text)
            if m:  # UTC instant → the local wall time of this observance's "from" clock
                bound = dt.datetime.strptime(m[1], "%Y%m%dT%H%M%SZ") + self.offset_from
                text = text.replace(m[0], "UNTIL=" + bound.strftime("%Y%m%dT%H%M%S"))
            rule = rrule.rrulestr(text, dtstart=self.start)
            out += rule.between(self.start, until, inc=True)
        return sorted(set(d for d in out if d <= until))


@dataclass
class Zone:
    tzid: str
    observances: list[Observance]
    horizon: dt.datetime
    _periods: list[tuple[dt.datetime, dt.timedelta, bool, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        periods = []
        for obs in self.observances:
            assert obs.offset_from is not None and obs.offset_to is not None
            for onset in obs.onsets(self.horizon):
                periods.append((onset - obs.offset_from, obs.offset_to, obs.daylight, obs.name))
        periods.sort(key=lambda p: p[0])
        self._periods = periods
        self._starts = [p[0] for p in periods]
        self._offsets = sorted({p[1] for p in periods})

    def period_at_utc(self, instant: dt.datetime) -> tuple[dt.timedelta, bool, str]:
        i = bisect.bisect_right(self._starts, instant) - 1
        if i < 0:
            raise NotCovered(f"{self.tzid}: nothing describes {instant} UTC")
        return self._periods[i][1:]

    def period_at_local(self, wall: dt.datetime) -> tuple[dt.timedelta, bool, str]:
        """(offset, is DAYLIGHT, TZNAME) for a wall time that exists once (not in a gap or
        an overlap): the one period whose offset maps ``wall`` into itself."""
        found = []
        for offset in self._offsets:
            period = self.period_at_utc(wall - offset)
            if period[0] == offset:
                found.append(period)
        if len(found) != 1:
            raise ValueError(f"{self.tzid}: {wall} is in {len(found)} periods")
        return found[0]

    def utc(self, wall: dt.datetime) -> dt.datetime:
        return (wall - self.period_at_local(wall)[0]).replace(tzinfo=UTC)


def unfold(text: str) -> list[str]:
    return re.sub(r"\r?\n[ \t]", "", text).splitlines()


def read(text: str, tzid: str, horizon: dt.datetime) -> Zone:
    """The VTIMEZONE with TZID ``tzid`` in ``text``, expanded up to ``horizon`` (local)."""
    observances: list[Observance] = []
    current: Observance | None = None
    inside = found = False
    for line in unfold(text):
        head, _, value = line.partition(":")
        name = head.split(";")[0].upper()
        if line == "BEGIN:VTIMEZONE":
            inside = True
        elif line == "END:VTIMEZONE":
            inside = found = False
        elif not inside:
            continue
        elif name == "TZID" and current is None:
            found = value == tzid
        elif line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT") and found:
            current = Observance(daylight=line.endswith("DAYLIGHT"))
        elif line in ("END:STANDARD", "END:DAYLIGHT") and current is not None:
            observances.append(current)
            current = None
        elif current is not None:
            if name == "DTSTART":
                current.start = _local(value)
            elif name == "TZOFFSETFROM":
                current.offset_from = _offset(value)
            elif name == "TZOFFSETTO":
                current.offset_to = _offset(value)
            elif name == "TZNAME":
                current.name = value
            elif name == "RRULE":
                current.rules.append(value)
            elif name == "RDATE":
                current.rdates += [_local(v) for v in value.split(",")]
    if not observances:
        raise ValueError(f"no VTIMEZONE {tzid!r} with observances")
    return Zone(tzid, observances, horizon)
