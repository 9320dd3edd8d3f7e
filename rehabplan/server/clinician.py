"""The clinician's pages: log in, patients, the patient form, plan preview, links, PDFs.

Every route here needs a logged-in clinician (GET without one → redirect to the log-in page;
POST without one → the same redirect, nothing changes) and every POST needs the session's
CSRF token (→ 403 otherwise). All clinicians of one installation see all its patients: the
server is meant for one clinic; run one server (one database) per clinic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlparse

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from rehabplan.errors import InputError, Problem
from rehabplan.models.profile import Profile
from rehabplan.pipeline import ExportOptions
from rehabplan.profile_io import profile_from_mapping
from rehabplan.server import auth
from rehabplan.server.forms import CONDITION_WORDS, PatientForm, choices
from rehabplan.server.plans import (
    checkin_history,
    create_patient,
    issue_links,
    load_plan,
    load_profile,
    load_referral,
    regenerate,
)
from rehabplan.server.views import calendar_weeks, pain_chart, qr_svg
from rehabplan.store import Duplicate
from rehabplan.tokens import checkin_token, token_hash
from rehabplan.vocab import Condition

SOURCE = "patient form"
Handler = Callable[[Request], Awaitable[Response]]


def _web(request: Request) -> Any:
    return request.app.state.web


def login_required(handler: Handler) -> Handler:
    @wraps(handler)
    async def wrapper(request: Request) -> Response:
        web = _web(request)
        user = auth.current_user(request, web.store)
        if user is None:
            target = quote(request.url.path)
            return RedirectResponse(f"/login?next={target}", status_code=303)
        request.state.user = user
        if request.method == "POST":
            form = await request.form()
            if not auth.csrf_ok(request, form.get(auth.CSRF_FIELD)):  # type: ignore[arg-type]
                raise HTTPException(403, "The form had expired or was not sent by this site. "
                                         "Go back, reload the page and try again.")  # fmt: skip
        return await handler(request)

    return wrapper


def _flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after log-in would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/patients"
    parsed = urlparse(target)
    return parsed.path if not parsed.netloc else "/patients"


# -- log-in ----------------------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    web = _web(request)
    if auth.current_user(request, web.store) is not None:
        return RedirectResponse("/patients", status_code=303)
    return web.page(request, "login.html.j2", {"next": request.query_params.get("next", "")})


async def login_submit(request: Request) -> Response:
    web = _web(request)
    form = await request.form()
    if not auth.csrf_ok(request, form.get(auth.CSRF_FIELD)):  # type: ignore[arg-type]
        raise HTTPException(403, "The log-in form had expired. Reload the page and try again.")
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    next_url = str(form.get("next") or "")
    address = request.client.host if request.client else "?"
    if web.limiter.blocked(address, username):
        return web.page(
            request,
            "login.html.j2",
            {"error": "Too many failed attempts. Wait five minutes and try again.",
             "username": username, "next": next_url},
            status=429,
        )  # fmt: skip
    user = await run_in_threadpool(auth.check_password, web.store, username, password)
    if user is None:
        web.limiter.failed(address, username)
        return web.page(
            request,
            "login.html.j2",
            {"error": "Wrong user name or password.", "username": username, "next": next_url},
            status=401,
        )
    web.limiter.succeeded(address, username)
    auth.log_in(request, user)
    return RedirectResponse(_safe_next(next_url), status_code=303)


@login_required
async def logout(request: Request) -> Response:
    await run_in_threadpool(auth.log_out, request, _web(request).store, request.state.user)
    return RedirectResponse("/login", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/patients", status_code=303)


# -- patients --------------------------------------------------------------------------------


@login_required
async def patients(request: Request) -> Response:
    web = _web(request)
    rows = await run_in_threadpool(web.store.list_patients)
    return web.page(request, "patients.html.j2", {"patients": rows})


def _form_page(request: Request, form: PatientForm, *, edit: str | None = None, status: int = 200):
    return _web(request).page(
        request,
        "patient_form.html.j2",
        {"form": form, "choices": choices(), "edit": edit},
        status=status,
    )


# /patients/new is the form: a patient called "new" could never be opened.
RESERVED_IDS = frozenset({"new"})


@login_required
async def new_patient(request: Request) -> Response:
    if request.method == "GET":
        return _form_page(request, PatientForm.blank())
    web = _web(request)
    form = PatientForm.from_post(await request.form())
    profile = _validated(form)
    if profile is None:
        return _form_page(request, form, status=422)
    if profile.patient_id.lower() in RESERVED_IDS:
        form.errors.setdefault("patient_id", []).append(
            f"patient_id: {profile.patient_id!r} names a page of this app; choose another"
        )
        return _form_page(request, form, status=422)
    try:
        _pk, outcome = await run_in_threadpool(
            create_patient,
            web.store,
            profile,
            web.core,
            owner_id=request.state.user.id,
            include_details=bool(form.values.get("ics_include_details")),
        )
    except Duplicate:
        form.errors.setdefault("patient_id", []).append(
            f"patient_id: {profile.patient_id!r} is already used by another patient"
        )
        return _form_page(request, form, status=422)
    if outcome.feed_token is None:
        _flash(request, "Red flags: no plan was made. The referral letter is ready to print.")
        return RedirectResponse(f"/patients/{profile.patient_id}", status_code=303)
    return _links_page(request, profile.patient_id, outcome.feed_token, created=True)


def _validated(form: PatientForm) -> Profile | None:
    """The profile, or None with the problems added to ``form`` (the CLI's messages)."""
    problems: list[Problem] = []
    profile = None
    try:
        profile = profile_from_mapping(form.mapping(), SOURCE)
    except InputError as e:
        problems += e.problems
    if not form.values.get("start_date") and not any(p.field == "start_date" for p in problems):
        # Optional in a profile file (``rehabplan plan --start``), but a saved plan needs it.
        problems.append(Problem(SOURCE, "start_date", "is required"))
    if problems:
        form.add_problems(problems)
        return None
    return profile


def _patient_or_404(web: Any, patient_id: str) -> Any:
    row = web.store.patient(patient_id)
    if row is None:
        raise HTTPException(404)
    return row


@login_required
async def patient_detail(request: Request) -> Response:
    web = _web(request)
    row = await run_in_threadpool(_patient_or_404, web, request.path_params["patient_id"])
    current = await run_in_threadpool(web.store.current_version, row.id)
    plan = load_plan(current)
    history = await run_in_threadpool(checkin_history, web.store, row.id)
    links = await run_in_threadpool(web.store.live_token_kinds, row.id)
    profile = load_profile(row)
    return web.page(
        request,
        "patient.html.j2",
        {
            "patient": row,
            "profile": profile,
            "condition": CONDITION_WORDS[Condition(profile.condition)],
            "version": current,
            "plan": plan,
            "referral": load_referral(current),
            "weeks": calendar_weeks(plan) if plan else [],
            "checkins": list(reversed(history)),
            "chart": pain_chart(history),
            "feed_live": "feed" in links,
            "feed_since": links.get("feed"),
            "versions": await run_in_threadpool(web.store.versions, row.id),
        },
    )


@login_required
async def edit_patient(request: Request) -> Response:
    web = _web(request)
    patient_id = request.path_params["patient_id"]
    row = await run_in_threadpool(_patient_or_404, web, patient_id)
    if request.method == "GET":
        return _form_page(
            request,
            PatientForm.from_profile(load_profile(row), row.ics_include_details),
            edit=patient_id,
        )
    form = PatientForm.from_post(await request.form())
    form.values["patient_id"] = patient_id  # the pseudonym is the key; it does not change
    profile = _validated(form)
    if profile is None:
        return _form_page(request, form, edit=patient_id, status=422)
    include = bool(form.values.get("ics_include_details"))
    return await _regenerate(request, row, profile, include)


@login_required
async def regenerate_plan(request: Request) -> Response:
    web = _web(request)
    row = await run_in_threadpool(_patient_or_404, web, request.path_params["patient_id"])
    return await _regenerate(request, row, load_profile(row), row.ics_include_details)


async def _regenerate(request: Request, row: Any, profile: Any, include: bool) -> Response:
    web = _web(request)
    outcome = await run_in_threadpool(
        regenerate, web.store, row.id, profile, web.core, include_details=include
    )
    if outcome.feed_token is not None:
        return _links_page(request, row.patient_id, outcome.feed_token, created=False)
    if outcome.status == "referred":
        _flash(request, "Red flags: the plan was replaced by a referral letter.")
    else:
        _flash(request, "Plan re-generated. Subscribed calendars update on their next refresh.")
    return RedirectResponse(f"/patients/{row.patient_id}", status_code=303)


def _links(request: Request, feed_token: str) -> dict[str, str]:
    base = _web(request).base(request)
    feed = f"{base}/feeds/{feed_token}.ics"
    return {
        "feed_url": feed,
        "webcal_url": "webcal://" + feed.split("://", 1)[1],
        "checkin_url": f"{base}/c/{checkin_token(feed_token)}",
    }


def _links_page(request: Request, patient_id: str, feed_token: str, *, created: bool) -> Response:
    links = _links(request, feed_token)
    return _web(request).page(
        request,
        "links.html.j2",
        {
            "patient_id": patient_id,
            "created": created,
            "feed_token": feed_token,
            "qr": qr_svg(links["feed_url"], "QR code of the calendar subscription link"),
            **links,
        },
    )


@login_required
async def rotate_links(request: Request) -> Response:
    web = _web(request)
    row = await run_in_threadpool(_patient_or_404, web, request.path_params["patient_id"])
    if row.status != "active":
        _flash(request, "There is no running plan to subscribe to; re-generate the plan first.")
        return RedirectResponse(f"/patients/{row.patient_id}", status_code=303)
    token = await run_in_threadpool(issue_links, web.store, row.id)
    return _links_page(request, row.patient_id, token, created=False)


@login_required
async def revoke_links(request: Request) -> Response:
    web = _web(request)
    row = await run_in_threadpool(_patient_or_404, web, request.path_params["patient_id"])
    await run_in_threadpool(web.store.revoke_tokens, row.id)
    _flash(request, "The calendar and check-in links no longer work.")
    return RedirectResponse(f"/patients/{row.patient_id}", status_code=303)


@login_required
async def handout_pdf(request: Request) -> Response:
    """The handout (or referral letter) as PDF; with the feed QR when the link is supplied.

    The link exists in clear text only right after it was issued, so the QR can only be
    printed from that page (a POST carrying the token); later downloads have no QR.
    """
    web = _web(request)
    row = await run_in_threadpool(_patient_or_404, web, request.path_params["patient_id"])
    current = await run_in_threadpool(web.store.current_version, row.id)
    options = ExportOptions()
    if request.method == "POST":
        token = str((await request.form()).get("feed_token") or "")
        live = await run_in_threadpool(web.store.feed_head, token_hash(token))
        if token and live is not None and live.patient_pk == row.id:
            links = _links(request, token)
            options = ExportOptions(feed_url=links["feed_url"], checkin_url=links["checkin_url"])
    pdf = await run_in_threadpool(_render_pdf, web, current, options)
    if pdf is None:
        raise HTTPException(404)
    name = f"{row.patient_id}-{'referral' if current.referral_json else 'handout'}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{name}"',
                 "cache-control": "no-store"},
    )  # fmt: skip


def _render_pdf(web: Any, current: Any, options: ExportOptions) -> bytes | None:
    from rehabplan.export.pdf import render_pdf

    referral = load_referral(current)
    if referral is not None:  # referred at assessment, or stopped by a warning sign
        from rehabplan.export.html import referral_html

        return render_pdf(referral_html(referral, options), options)
    plan = load_plan(current)
    if plan is None:
        return None
    from rehabplan.export.html import handout_html

    return render_pdf(handout_html(plan, web.core.library, options), options)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/patients", patients),
        Route("/patients/new", new_patient, methods=["GET", "POST"]),
        Route("/patients/{patient_id}", patient_detail),
        Route("/patients/{patient_id}/edit", edit_patient, methods=["GET", "POST"]),
        Route("/patients/{patient_id}/regenerate", regenerate_plan, methods=["POST"]),
        Route("/patients/{patient_id}/links", rotate_links, methods=["POST"]),
        Route("/patients/{patient_id}/revoke", revoke_links, methods=["POST"]),
        Route("/patients/{patient_id}/handout.pdf", handout_pdf, methods=["GET", "POST"]),
    ]
