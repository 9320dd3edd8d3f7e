"""Two server processes on one PostgreSQL database behave as one service."""

from __future__ import annotations

import pytest

from tests.server.helpers import (
    add_user,
    create_patient,
    csrf_of,
    profile_data,
    report_session,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.postgres


def test_two_servers_share_logins_links_revocations_and_check_ins(pg_url, tmp_path):
    add_user(pg_url)
    a = start_server(pg_url, tmp_path / "a.log")
    b = start_server(pg_url, tmp_path / "b.log")
    try:
        clinician = a.login()
        links = create_patient(clinician, profile_data(patient_id="PG-1"))
        token_path = links["feed"].removeprefix(a.url)
        # A session made on A is valid on B: the generated key lives in the database.
        cookies = dict(clinician.cookies)
        with b.client(cookies=cookies) as on_b:
            assert on_b.get("/patients/PG-1").status_code == 200
        with b.client() as other, a.client() as on_a:
            first_b = other.get(token_path)
            first_a = on_a.get(token_path)
            assert first_b.status_code == first_a.status_code == 200
            # Same calendar; only the host in the check-in links differs.
            assert first_b.content.replace(b"\r\n ", b"").replace(
                b.url.encode(), a.url.encode()
            ) == first_a.content.replace(b"\r\n ", b"")
            checkin_url = b.url + links["checkin"].removeprefix(a.url)
            page = report_session(other, checkin_url, "strength", pain_during="7")
            assert "go back one step" in page
            after_a = on_a.get(token_path, headers={"If-None-Match": first_a.headers["etag"]})
            assert after_a.status_code == 200, "a check-in on B changes the feed served by A"
            csrf = csrf_of(clinician.get("/patients/PG-1").text)
            clinician.post("/patients/PG-1/revoke", data={"csrf_token": csrf})
            assert other.get(token_path).status_code == 404, "revocation on A is instant on B"
        clinician.close()
    finally:
        stop_server(a)
        stop_server(b)
