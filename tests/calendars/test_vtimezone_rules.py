"""What the embedded VTIMEZONE says for zones whose clocks do something particular.

Expected values are facts about those places (Irish summer time is IST, UTC+1; Mexico
dropped daylight saving after 30 October 2022; Sudan moved from UTC+3 to UTC+2 on
1 November 2017), read back with the tests' own VTIMEZONE reader.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rehabplan.export.vtimezone import vtimezone

H = dt.timedelta(hours=1)


def read(tzreader, zone: str, first: str, last: str):
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    text = vtimezone(zone, a, b).to_ical().decode("utf-8")
    return text, tzreader.read(text, zone, dt.datetime.combine(b, dt.time()) + 2 * 24 * H)


def at(reader, when: str):
    """(offset, "DAYLIGHT" or "STANDARD", TZNAME) at a local wall-clock time."""
    offset, daylight, name = reader.period_at_local(dt.datetime.fromisoformat(when))
    return offset, "DAYLIGHT" if daylight else "STANDARD", name


@pytest.mark.parametrize(
    ("zone", "first", "summer", "winter"),
    [
        # tzdata writes these with negative DST: Irish winter time is "GMT, DST -1 h".
        ("Europe/Dublin", "2026-01-10", ("2026-07-15T12:00", 1 * H, "IST"),
         ("2026-12-01T12:00", 0 * H, "GMT")),
        # Namibia until 2017: summer CAT (UTC+2), winter WAT (UTC+1).
        ("Africa/Windhoek", "2016-01-10", ("2016-12-01T12:00", 2 * H, "CAT"),
         ("2016-07-01T12:00", 1 * H, "WAT")),
        # Morocco since 2018: UTC+1, except UTC+0 during Ramadan (2026: mid-Feb to Mar 22).
        ("Africa/Casablanca", "2026-01-10", ("2026-06-01T12:00", 1 * H, "+01"),
         ("2026-03-01T12:00", 0 * H, "+00")),
    ],
)  # fmt: skip
def test_negative_dst_zones_call_summer_time_daylight(zone, first, summer, winter, tzreader):
    last = (dt.date.fromisoformat(first) + dt.timedelta(weeks=46)).isoformat()
    _, reader = read(tzreader, zone, first, last)
    assert at(reader, summer[0]) == (summer[1], "DAYLIGHT", summer[2])
    assert at(reader, winter[0]) == (winter[1], "STANDARD", winter[2])


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        ("Europe/Berlin", "2026-03-16"), ("Europe/London", "2026-01-05"),
        ("Europe/Dublin", "2014-02-01"), ("America/New_York", "2026-10-26"),
        ("America/Chicago", "2011-03-01"), ("Australia/Sydney", "2022-03-01"),
        ("Pacific/Auckland", "2016-03-01"), ("America/Santiago", "2026-02-01"),
        ("America/Asuncion", "2022-01-10"), ("Asia/Jerusalem", "2026-01-10"),
        ("Africa/Cairo", "2026-01-10"), ("Africa/Windhoek", "2014-03-01"),
        ("Europe/Chisinau", "2022-01-10"), ("America/Havana", "2017-01-10"),
    ],
)  # fmt: skip
def test_zones_with_a_rule_get_one_rrule_each_way_and_no_rdate(zone, first, tzreader):
    """The compact form Outlook needs: one STANDARD and one DAYLIGHT observance, each a
    yearly RRULE, never a list of dates."""
    last = (dt.date.fromisoformat(first) + dt.timedelta(weeks=40)).isoformat()
    text, reader = read(tzreader, zone, first, last)
    assert "RDATE" not in text
    kinds = sorted(o.daylight for o in reader.observances)
    assert kinds == [False, True], text
    for obs in reader.observances:
        assert len(obs.rules) == 1 and obs.rules[0].startswith("FREQ=YEARLY;"), text
        assert "UNTIL" not in obs.rules[0], "the zone's current rule does not end"


def test_mexico_city_after_daylight_saving_was_abolished(tzreader):
    """Mexico's last change was 30 October 2022; a plan from November 2022 has none."""
    _, reader = read(tzreader, "America/Mexico_City", "2022-11-01", "2023-06-30")
    for when in ("2022-11-02T07:00", "2023-04-10T07:00", "2023-06-28T18:00"):
        assert at(reader, when) == (-6 * H, "STANDARD", "CST"), when
    daylight = [o for o in reader.observances if o.daylight]
    assert daylight and all("UNTIL=2022" in rule for o in daylight for rule in o.rules)
    assert max(o for obs in reader.observances
               for o in obs.onsets(dt.datetime(2024, 1, 1))) < dt.datetime(2022, 11, 1)  # fmt: skip


def test_khartoum_moves_to_utc_plus_2_in_november_2017(tzreader):
    _, reader = read(tzreader, "Africa/Khartoum", "2017-09-04", "2018-02-26")
    assert at(reader, "2017-09-04T07:00") == (3 * H, "STANDARD", "EAT")
    assert at(reader, "2017-10-31T20:00") == (3 * H, "STANDARD", "EAT")
    assert at(reader, "2017-11-01T07:00") == (2 * H, "STANDARD", "CAT")
    assert at(reader, "2018-02-20T07:00") == (2 * H, "STANDARD", "CAT")


def test_samoa_skipping_30_december_2011(tzreader):
    _, reader = read(tzreader, "Pacific/Apia", "2011-11-01", "2012-05-01")
    assert at(reader, "2011-12-29T12:00") == (-10 * H, "DAYLIGHT", "-10")
    assert at(reader, "2011-12-31T12:00") == (14 * H, "DAYLIGHT", "+14")


def test_a_change_of_name_and_status_without_a_new_offset(tzreader):
    """Turkey kept UTC+3 all year from 7 September 2016: same offset, now standard time."""
    _, reader = read(tzreader, "Europe/Istanbul", "2016-06-01", "2016-12-20")
    assert at(reader, "2016-07-01T12:00") == (3 * H, "DAYLIGHT", "EEST")
    assert at(reader, "2016-12-01T12:00") == (3 * H, "STANDARD", "+03")


def test_a_zone_without_changes_is_one_standard_observance(tzreader):
    text, reader = read(tzreader, "Asia/Tokyo", "2026-03-02", "2026-09-30")
    assert text.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in text
    assert at(reader, "2026-03-02T07:00") == (9 * H, "STANDARD", "JST")
