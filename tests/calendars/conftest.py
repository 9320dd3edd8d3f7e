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


# -- khal: the command line, with a config and a calendar folder of its own ----------------


class Khal:
    """khal as a user runs it: ``khal import`` a file, ``khal list`` a range (times in UTC)."""

    def __init__(self, exe: str, folder: Path):
        self.exe = exe
        self.folder = folder
        (folder / "calendar").mkdir()
        self.config = folder / "config"
        self.config.write_text(
            "[calendars]\n[[rehab]]\n"
            f"path = {folder / 'calendar'}\ntype = calendar\n\n"
            "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n"
            "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%dT%H:%M\n"
            "longdatetimeformat = %Y-%m-%dT%H:%M\n"
            "local_timezone = UTC\ndefault_timezone = UTC\n\n"
            f"[sqlite]\npath = {folder / 'khal.db'}\n",
            encoding="utf-8",
        )

    def run(self, *args: str) -> str:
        import os
        import subprocess

        env = {**os.environ, "HOME": str(self.folder), "XDG_DATA_HOME": str(self.folder)}
        done = subprocess.run(
            [self.exe, "-c", str(self.config), *args],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def import_file(self, path: Path) -> None:
        """``khal import --batch``: new events are added, known UIDs updated, none deleted."""
        self.run("import", "--batch", str(path))

    def events(self, first: str, last: str) -> list[dict]:
        """Every event khal lists from ``first`` to ``last`` (each once)."""
        import json

        out = self.run("list", "--once", "--json", "uid", "--json", "start", "--json", "end",
                       "--json", "title", "--json", "status", first, last)  # fmt: skip
        events = []
        for line in out.splitlines():
            if line.strip():
                events += json.loads(line)
        for event in events:
            event["status"] = event["status"].strip()
        return events

    def files(self) -> int:
        return len(list((self.folder / "calendar").glob("*.ics")))


@pytest.fixture
def khal(tmp_path) -> Khal:
    import shutil

    exe = shutil.which("khal") or str(Path(sys.executable).with_name("khal"))
    if not Path(exe).exists():
        pytest.skip("khal is not installed (pip install khal; it is in rehabplan[test])")
    folder = tmp_path / "khal"
    folder.mkdir()
    return Khal(exe, folder)


# -- Radicale: a real CalDAV server on loopback ---------------------------------------------


class Radicale:
    """A Radicale server; each test gets a calendar collection of its own."""

    def __init__(self, url: str):
        import httpx

        self.url = url
        self.http = httpx.Client(base_url=url, auth=("runner", "x"), timeout=60)
        self._n = itertools.count(1)

    def new_calendar(self) -> str:
        path = f"/runner/rehab-{next(self._n)}/"
        r = self.http.request("MKCALENDAR", path)
        assert r.status_code == 201, r.text
        return path

    def subscribe(self, path: str, ics: bytes) -> None:
        """PUT a whole calendar onto the collection: it then holds exactly those events, as
        after a subscribed feed's refresh."""
        r = self.http.put(path, content=ics, headers={"Content-Type": "text/calendar"})
        assert r.status_code in (201, 204), r.text

    def import_events(self, path: str, ics: bytes) -> None:
        """PUT each event on its own (one VCALENDAR per UID, with the VTIMEZONE), as a client
        importing a file does: events are added or replaced by UID, none removed."""
        import icalendar

        cal = icalendar.Calendar.from_ical(ics)
        zones = cal.walk("VTIMEZONE")
        for event in cal.walk("VEVENT"):
            one = icalendar.Calendar()
            for name in ("PRODID", "VERSION"):
                one.add(name, cal[name])
            for zone in zones:
                one.add_component(zone)
            one.add_component(event)
            uid = str(event["UID"]).replace("@", "-")
            r = self.http.put(f"{path}{uid}.ics", content=one.to_ical(),
                              headers={"Content-Type": "text/calendar"})  # fmt: skip
            assert r.status_code in (201, 204), r.text

    def between(self, path: str, start: object, end: object) -> list:
        """CalDAV calendar-query REPORT over [start, end) (UTC datetimes): the VEVENTs."""
        import xml.etree.ElementTree as ET

        import icalendar

        fmt = "%Y%m%dT%H%M%SZ"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><C:calendar-data/></D:prop><C:filter>"
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{start:{fmt}}" end="{end:{fmt}}"/>'
            "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
        )
        headers = {"Depth": "1", "Content-Type": "application/xml"}
        r = self.http.request("REPORT", path, content=body.encode(), headers=headers)
        assert r.status_code == 207, r.text
        found = []
        for data in ET.fromstring(r.content).iter("{urn:ietf:params:xml:ns:caldav}calendar-data"):
            found += icalendar.Calendar.from_ical(data.text).walk("VEVENT")
        return found


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    import socket
    import subprocess
    import time

    if importlib.util.find_spec("radicale") is None:
        pytest.skip("Radicale is not installed (pip install radicale; it is in rehabplan[test])")
    folder = tmp_path_factory.mktemp("radicale")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = folder / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = none\n"
        f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
        "[logging]\nlevel = warning\n",
        encoding="utf-8",
    )
    log = (folder / "radicale.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((folder / "radicale.log").read_text(errors="replace"))
                time.sleep(0.1)
        server = Radicale(f"http://127.0.0.1:{port}")
        yield server
        server.http.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
