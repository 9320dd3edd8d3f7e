"""Fixtures for the calendar area: an independent VTIMEZONE reader, plans, khal, Radicale.

Everything here reads rehabplan's calendars the way a client does, with code that is not
rehabplan's: ``tzreader.py`` (a VTIMEZONE reader on dateutil's RRULE engine), vobject and
icalendar given a TZID they cannot look up (so only the embedded VTIMEZONE counts), khal's
command line and a Radicale server on loopback.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "examples"
_renames = itertools.count(1)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"calendars_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tzreader():
    return _load("tzreader")


def renamed_tzid(ics: bytes, tzid: str) -> tuple[bytes, str]:
    """``ics`` with every use of ``tzid`` renamed to a TZID no zone database knows.

    icalendar (hence khal) and vobject look a known zone name up in the system database
    and ignore the VTIMEZONE; under an unknown name they must read the block. The name is
    new each call, as icalendar caches the zone it built for a name for the whole process.
    """
    fresh = f"Rehabplan-Test/Zone-{next(_renames)}"
    text = ics.decode("utf-8").replace("\r\n ", "")
    text = text.replace(f"TZID:{tzid}\r\n", f"TZID:{fresh}\r\n").replace(
        f"TZID={tzid}:", f"TZID={fresh}:"
    )
    assert f"TZID:{tzid}\r\n" not in text and f"TZID={tzid}:" not in text, "a TZID was left"
    return text.encode("utf-8"), fresh


def plan_for(example: str, *, episode_key: str | None = None, previous=None, **changes):
    """A real plan from ``examples/<example>.yaml``, built by the real planner."""
    from rehabplan.library import default_library
    from rehabplan.planner import build_plan
    from rehabplan.profile_io import read_profile
    from rehabplan.protocol import default_protocol

    profile = read_profile(EXAMPLES / f"{example}.yaml")
    if changes:
        profile = profile.model_copy(update=changes)
    return build_plan(
        profile, default_library(), default_protocol(), previous=previous, episode_key=episode_key
    )


@pytest.fixture(scope="session")
def cal():
    """The module-level helpers above, for test modules (importlib mode cannot import us)."""
    import types

    return types.SimpleNamespace(renamed_tzid=renamed_tzid, plan_for=plan_for)
