"""Helpers for the server tests: profiles, forms, a live server, check-ins."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PG_ENV = "REHABPLAN_TEST_POSTGRES_URL"
PASSWORD = "correct horse battery staple"


def pg_base() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    from sqlalchemy import create_engine, text

    from rehabplan.store import database_url

    url = database_url(url)
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as e:  # any connection failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL at {PG_ENV} is unreachable: {e.__class__.__name__}")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def profile_data(**changes) -> dict:
    """A valid profile whose plan started ten days ago, so check-ins have sessions to report."""
    import yaml

    data = yaml.safe_load((EXAMPLES / "maria-pes-anserine.yaml").read_text(encoding="utf-8"))
    data["start_date"] = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    data["timezone"] = "UTC"
    data["availability"] = {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "time": "07:00",
    }
    data.update(changes)
    return data


@dataclass
class LiveServer:
    url: str
    db_url: str
    log: Path
    process: subprocess.Popen

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def login(self, username: str = "clinician", password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        page = client.get("/login")
        csrf = csrf_of(page.text)
        response = client.post(
            "/login", data={"csrf_token": csrf, "username": username, "password": password}
        )
        assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def start_server(
    db_url: str, log: Path, *, workers: int = 1, env: dict | None = None
) -> LiveServer:
    port = free_port()
    environment = {
        **os.environ,
        "REHABPLAN_DATABASE_URL": db_url,
        "PYTHONWARNINGS": "ignore",
        **(env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rehabplan",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=environment,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            httpx.get(url + "/login", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"server did not start:\n{log.read_text()}")
    return LiveServer(url, db_url, log, process)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def add_user(db_url: str, username: str = "clinician", password: str = PASSWORD) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rehabplan", "user", "add", username, "--password-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, "REHABPLAN_DATABASE_URL": db_url},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def form_fields(data: dict) -> dict:
    """A profile mapping as the clinician's form posts it."""
    fields = {
        k: str(data[k])
        for k in (
            "patient_id",
            "name",
            "age",
            "side",
            "condition",
            "start_date",
            "timezone",
            "baseline_weekly_km",
            "goal_weekly_km",
            "units",
            "language",
        )
        if k in data
    }
    fields |= {f"pain_{k}": str(v) for k, v in data["pain"].items()}
    fields["days"] = list(data["availability"]["days"])
    fields["time"] = data["availability"]["time"]
    for name in ("factors", "equipment", "cross_training"):
        fields[name] = list(data.get(name, []))
    fields["red_flags"] = [k for k, v in data.get("red_flags", {}).items() if v]
    return fields


def input_value(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*value="([^"]+)"', html)
    assert match, f"no input #{element_id} on the page"
    return match.group(1)


def create_patient(client: httpx.Client, data: dict) -> dict[str, str]:
    """Create a patient through the form; return the links shown once on the result page."""
    csrf = csrf_of(client.get("/patients/new").text)
    r = client.post("/patients/new", data={**form_fields(data), "csrf_token": csrf})
    assert r.status_code == 200, r.text[:2000]
    return {
        "feed": input_value(r.text, "feed-url"),
        "webcal": input_value(r.text, "webcal-url"),
        "checkin": input_value(r.text, "checkin-url"),
        "page": r.text,
    }


def report_session(client, url: str, prefer: str = "", **fields) -> str:
    """Report a session through the page: the newest one whose title contains ``prefer``."""
    page = client.get(url)
    assert page.status_code == 200
    key = re.search(r'name="form_key" value="([^"]+)"', page.text).group(1)
    choices = re.findall(r'name="session" value="([^"]+)"[^>]*>([^<]*)</label>', page.text)
    assert choices, "the page offers the recent sessions"
    matching = [uid for uid, label in choices if prefer.lower() in label.lower()]
    data = {"form_key": key, "status": "done", "pain_next_morning": "unknown", "swelling": "no"}
    data["session"] = matching[0]
    r = client.post(url, data={**data, **fields})
    assert r.status_code == 200, r.text[:2000]
    return r.text
