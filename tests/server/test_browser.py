"""End to end in headless Chromium (Playwright): log in, create a patient, PDF, check-in.

Uses Debian's /usr/bin/chromium (``playwright install`` is not needed). Skipped with the
reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rehabplan.store import open_store
from tests.server.helpers import PASSWORD, profile_data

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _log_in_with_the_keyboard(page, base: str) -> None:
    page.goto(base + "/patients")
    assert page.url.startswith(base + "/login")
    page.keyboard.press("Tab")  # skip link
    page.locator("#username").focus()
    page.keyboard.type("clinician")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/patients")


def _fill_patient(page, data: dict) -> None:
    page.get_by_label("Patient ID (pseudonym)").fill(data["patient_id"])
    page.get_by_label("Name (optional").fill(data["name"])
    page.get_by_label("Age (years)").fill(str(data["age"]))
    page.get_by_label("Painful side").select_option(data["side"])
    page.get_by_label("Condition").select_option(data["condition"])
    for factor in data["factors"]:
        page.get_by_label(factor.replace("_", " ").capitalize(), exact=True).check()
    page.get_by_label("At rest").fill(str(data["pain"]["rest"]))
    page.get_by_label("When running").fill(str(data["pain"]["running"]))
    page.get_by_label("In daily activities").fill(str(data["pain"]["daily"]))
    page.get_by_label("First day of the plan").fill(data["start_date"])
    page.get_by_label("Time zone (IANA name)").fill(data["timezone"])
    for day in ("Monday", "Wednesday", "Friday"):
        page.get_by_label(day, exact=True).uncheck()
    for day in ("Tuesday", "Thursday", "Saturday"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Session start time").fill("07:30")
    page.get_by_label("Band", exact=True).check()
    page.get_by_label("Goal weekly distance").fill(str(data["goal_weekly_km"]))


def test_clinician_creates_a_patient_downloads_the_pdf_and_the_runner_checks_in(
    live_server, browser, tmp_path
):
    base = live_server.url
    context = browser.new_context(accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    _log_in_with_the_keyboard(page, base)

    page.get_by_role("link", name="New patient").first.click()
    data = profile_data(patient_id="WEB-1", timezone="Europe/Madrid")
    _fill_patient(page, data)
    page.get_by_label("Age (years)").fill("7")
    page.get_by_role("button", name="Create plan").click()
    age_error = page.locator("#age-error")
    assert "age: must be between 12 and 100, got 7" in age_error.inner_text()
    assert page.get_by_label("Age (years)").get_attribute("aria-invalid") == "true"
    assert page.locator("#error-summary").is_visible()

    page.get_by_label("Age (years)").fill("34")
    page.get_by_role("button", name="Create plan").click()
    page.get_by_role("heading", name="Plan created for WEB-1").wait_for()
    feed_url = page.locator("#feed-url").input_value()
    checkin_url = page.locator("#checkin-url").input_value()
    assert feed_url.startswith(base + "/feeds/") and feed_url.endswith(".ics")
    assert page.locator("figure.qr svg").count() == 1
    page.get_by_role("button", name="Copy link").first.click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == feed_url

    with page.expect_download() as info:
        page.get_by_role("button", name="Download handout with this QR code (PDF)").click()
    pdf_path = tmp_path / "handout.pdf"
    info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
        ).stdout
        store = open_store(live_server.db_url)
        plan = json.loads(store.current_version(store.patient("WEB-1").id).plan_json)
        store.close()
        names = {e["name"] for s in plan["sessions"] for e in s["exercises"]}
        squashed = " ".join(text.split())
        assert any(name in squashed for name in names), "the handout lists the exercises"
        webcal = "webcal://" + feed_url.split("://", 1)[1]
        assert webcal in "".join(text.split()), "the handout prints the subscription link"

    page.goto(base + "/patients/WEB-1")
    page.get_by_role("heading", name="Plan preview").wait_for()
    assert page.locator("table.calendar").count() == 1
    context.close()

    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    runner = phone.new_page()
    runner.goto(checkin_url)
    runner.get_by_role("heading", name="How did your session go?").wait_for()
    width = runner.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the check-in page scrolls sideways at phone width ({width}px)"
    runner.get_by_label("Yes, I did it").check()
    runner.locator("fieldset", has_text="during").get_by_text("2", exact=True).click()
    runner.get_by_role("button", name="Send").click()
    decision = runner.locator("#decision")
    decision.wait_for()
    assert "coped well" in decision.inner_text()
    phone.close()

    store = open_store(live_server.db_url)
    rows = store.checkins(store.patient("WEB-1").id)
    store.close()
    assert len(rows) == 1
    logged = json.loads(rows[0].data_json)
    assert logged["pain_during"] == 2 and logged["status"] == "done"
    assert dt.date.fromisoformat(logged["date"]) <= dt.date.today() + dt.timedelta(days=1)
