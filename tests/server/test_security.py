"""Security over HTTP: log-in, sessions, CSRF, rate limiting, token pages without a token."""

from __future__ import annotations

import re
import secrets

import pytest

from tests.server.helpers import PASSWORD, csrf_of

CLINICIAN_GETS = [
    "/patients",
    "/patients/new",
    "/patients/P-1",
    "/patients/P-1/edit",
    "/patients/P-1/handout.pdf",
]
CLINICIAN_POSTS = [
    "/patients/new",
    "/patients/P-1/edit",
    "/patients/P-1/regenerate",
    "/patients/P-1/links",
    "/patients/P-1/revoke",
    "/patients/P-1/handout.pdf",
    "/logout",
]


@pytest.mark.parametrize("path", CLINICIAN_GETS)
def test_clinician_pages_need_a_login(live_server, path):
    with live_server.client() as client:
        r = client.get(path)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")
    assert "P-1" not in r.text


@pytest.mark.parametrize("path", CLINICIAN_POSTS)
def test_clinician_actions_need_a_login(live_server, path):
    with live_server.client() as client:
        r = client.post(path, data={"patient_id": "P-X", "age": "30"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_forged_session_cookie_is_ignored(live_server):
    with live_server.client(cookies={"rehabplan_session": "eyJ1aWQiOiAxfQ==.forged.sig"}) as c:
        assert c.get("/patients").status_code == 303


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_posts_without_the_right_csrf_token_are_rejected(live_server, token):
    client = live_server.login()
    data = {"patient_id": "CSRF-1", "age": "40"}
    if token is not None:
        data["csrf_token"] = token
    for path in ("/patients/new", "/patients/CSRF-1/revoke", "/logout"):
        r = client.post(path, data=data)
        assert r.status_code == 403, path
    assert client.get("/patients").status_code == 200, "still logged in: logout was refused"
    client.close()


def test_a_csrf_token_from_another_session_is_rejected(live_server):
    first, second = live_server.login(), live_server.login()
    stolen = csrf_of(first.get("/patients/new").text)
    r = second.post("/patients/new", data={"csrf_token": stolen, "patient_id": "X"})
    assert r.status_code == 403
    first.close()
    second.close()


def test_login_sets_a_hardened_cookie_and_rejects_wrong_passwords(live_server):
    with live_server.client() as client:
        csrf = csrf_of(client.get("/login").text)
        bad = client.post(
            "/login",
            data={"csrf_token": csrf, "username": "clinician", "password": "wrong password"},
        )
        assert bad.status_code == 401 and "Wrong user name or password" in bad.text
        nobody = client.post(
            "/login", data={"csrf_token": csrf, "username": "nobody", "password": PASSWORD}
        )
        assert nobody.status_code == 401 and nobody.text.count("Wrong") == bad.text.count("Wrong")
        login = {"csrf_token": csrf, "username": "clinician", "password": PASSWORD}
        good = client.post("/login", data={**login, "next": "//evil.example/x"})
        after = csrf_of(client.get("/patients/new").text)
    assert good.status_code == 303
    assert good.headers["location"] == "/patients", "no open redirect after log-in"
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert after != csrf, "logging in starts a new session (no session fixation)"


def test_login_without_csrf_is_rejected(live_server):
    with live_server.client() as client:
        r = client.post("/login", data={"username": "clinician", "password": PASSWORD})
    assert r.status_code == 403


def test_repeated_failed_logins_are_throttled(live_server):
    with live_server.client() as client:
        csrf = csrf_of(client.get("/login").text)
        codes = [
            client.post(
                "/login",
                data={"csrf_token": csrf, "username": "throttled", "password": f"guess {i}"},
            ).status_code
            for i in range(7)
        ]
    assert codes[:5] == [401] * 5
    assert codes[5:] == [429, 429]


def test_pages_carry_security_headers(live_server):
    with live_server.client() as client:
        r = client.get("/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_check_in_pages_need_a_live_token(live_server):
    with live_server.client() as client:
        pages = [client.get(f"/c/{secrets.token_urlsafe(32)}") for _ in range(10)]
        posts = [client.post(f"/c/{secrets.token_urlsafe(32)}", data={"status": "done"})]
    for r in [*pages, *posts]:
        assert r.status_code == 404
        assert re.sub(r"\s+", " ", r.text) == re.sub(r"\s+", " ", pages[0].text)
        assert "set-cookie" not in r.headers


def test_a_copied_session_cookie_dies_at_log_out_and_password_change(live_server):
    """The session cookie is signed, not stored: without a server-side epoch a copy taken
    before log-out (a shared computer, a proxy log) would stay valid for hours."""
    from tests.server.helpers import add_user

    add_user(live_server.db_url, "leaver")
    client = live_server.login("leaver")
    copied = dict(client.cookies)
    assert client.get("/patients").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf_of(client.get("/patients").text)})
    assert r.status_code == 303
    with live_server.client(cookies=copied) as thief:
        r = thief.get("/patients")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    client.close()

    again = live_server.login("leaver")
    assert again.get("/patients").status_code == 200
    import subprocess
    import sys

    changed = subprocess.run(
        [sys.executable, "-m", "rehabplan", "user", "passwd", "leaver", "--password-stdin"],
        input="a-new-long-password-2026\n", capture_output=True, text=True, timeout=60,
        env={**__import__("os").environ, "REHABPLAN_DATABASE_URL": live_server.db_url},
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert again.get("/patients").status_code == 303
    again.close()


def test_wrong_methods_say_which_are_allowed(live_server):
    client = live_server.login()
    r = client.put("/patients")
    assert r.status_code == 405 and "GET" in r.headers.get("allow", "")
    client.close()


def test_new_is_not_a_patient_id(live_server):
    from tests.server.helpers import form_fields, profile_data

    client = live_server.login()
    csrf = csrf_of(client.get("/patients/new").text)
    r = client.post("/patients/new", data={**form_fields(profile_data(patient_id="new")),
                                           "csrf_token": csrf})  # fmt: skip
    assert r.status_code == 422 and "names a page of this app" in r.text
    client.close()
